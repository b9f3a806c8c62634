//! Logging: `tracing` to stderr, human-readable or JSON. Request ids tie a request's
//! log lines together and appear in result-99 answers. Secrets never reach a log line:
//! the request log prints paths with secret parameters redacted, never headers, and
//! escapes the control characters of client text.

use tracing_subscriber::EnvFilter;

use crate::config::LogFormat;

tokio::task_local! {
    static REQUEST_ID: String;
}

/// Installs the global subscriber (once; later calls are ignored) and the panic hook.
/// `RUST_LOG` overrides the default level (`info`).
pub fn init(format: LogFormat) {
    install_panic_hook();
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,leptos=warn,tower_http=warn"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()));
    let _ = match format {
        LogFormat::Human => builder.with_target(false).try_init(),
        LogFormat::Json => builder
            .json()
            .flatten_event(true)
            .with_current_span(false)
            .try_init(),
    };
}

/// A new request id: this process's random prefix and a counter (no syscall per request).
pub fn next_request_id() -> String {
    static PREFIX: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    static COUNTER: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let prefix = PREFIX.get_or_init(|| kunci_core::secrets::random_hex(4));
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!("{prefix}{n:08x}")
}

/// Runs `fut` with `id` as the current request id.
pub async fn with_request_id<F: std::future::Future>(id: String, fut: F) -> F::Output {
    REQUEST_ID.scope(id, fut).await
}

/// The id of the request being served, or `-` outside one.
pub fn current_request_id() -> String {
    REQUEST_ID
        .try_with(Clone::clone)
        .unwrap_or_else(|_| "-".into())
}

/// Logs a panic as one line with its location and request id, never its message: a
/// message can quote what a client sent (a token, a password). The request it happened
/// in is answered with result 99 (`web::catch_panic`), the connection is not dropped.
fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| log_panic(info.location())));
}

/// The hook's line; it is given the location only, so the message cannot reach it.
fn log_panic(location: Option<&std::panic::Location<'_>>) {
    let location = location
        .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
        .unwrap_or_else(|| "unknown".into());
    tracing::error!(
        request_id = %current_request_id(),
        location = %location,
        "panic (its message is not logged: it may quote client data)"
    );
}

/// `s` with every control character escaped (`\n`, `\u{1b}`...), so client text
/// cannot start a line of its own or drive a terminal.
pub fn escape_control(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(char::is_control) {
        return s.into();
    }
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect::<String>()
        .into()
}

/// Parameter names whose values are secrets, in canonical form
/// ([`crate::form::canonical_name`]).
pub const SECRET_PARAMS: &[&str] = &[
    "session",
    "password",
    "password_again",
    "token",
    "key",
    "oldpassword",
    "newpassword",
    "authkey",
    "code",
];

/// Whether a canonical parameter name is a secret's.
pub fn is_secret_param(canonical: &str) -> bool {
    SECRET_PARAMS.contains(&canonical)
}

/// `query` with the value of every secret parameter replaced by `***`. A pair is read
/// the way the parser reads it (`canonical_name`); one whose name does not decode is
/// redacted too.
pub fn redact_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| {
            let (name, _) = pair.split_once('=').unwrap_or((pair, ""));
            match crate::form::canonical_name(name) {
                Some(canonical) if !is_secret_param(&canonical) => pair.to_string(),
                _ => format!("{name}=***"),
            }
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_parameters_are_redacted_whatever_their_case_or_encoding() {
        assert_eq!(
            redact_query("envName=a&session=kunci_abc&PASSWORD=x&%73ession=y&lazy=1"),
            "envName=a&session=***&PASSWORD=***&%73ession=***&lazy=1"
        );
    }

    #[test]
    fn every_spelling_the_parser_reads_as_a_secret_is_redacted() {
        for name in [
            "session+",
            "+session",
            "%20SESSION",
            "Session%09",
            "%E2%84%AAey",
            "+%E2%80%83token",
            "%FF",
        ] {
            assert_eq!(
                redact_query(&format!("{name}=kunci_secret&a=1")),
                format!("{name}=***&a=1")
            );
        }
        assert_eq!(redact_query("sessions=1&keys=2"), "sessions=1&keys=2");
    }

    /// A writer the test reads back.
    #[derive(Clone, Default)]
    struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

    impl std::io::Write for Captured {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_panic_is_logged_on_one_line_with_its_location_and_request_id() {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .build()
                .unwrap();
            rt.block_on(with_request_id("rid-7".into(), async {
                log_panic(Some(std::panic::Location::caller()));
            }));
        });
        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert_eq!(text.lines().count(), 1, "{text}");
        assert!(text.contains("ERROR"), "{text}");
        assert!(text.contains("request_id=rid-7"), "{text}");
        assert!(text.contains("server/src/telemetry.rs:"), "{text}");
    }

    #[test]
    fn control_characters_are_escaped() {
        assert_eq!(escape_control("/a b/é"), "/a b/é");
        assert_eq!(
            escape_control("x\n{\"level\":\"ERROR\"}\u{1b}[31m\u{85}"),
            "x\\n{\"level\":\"ERROR\"}\\u{1b}[31m\\u{85}"
        );
    }
}

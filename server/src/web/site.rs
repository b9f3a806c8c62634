//! The compiled dashboard (WASM, JS, CSS, public files), served from memory: embedded
//! in the binary at build time (`cargo leptos build --release --precompress` builds the
//! site, its `.br` and `.gz` twins, then the server that embeds them), or read from
//! `--site-root` at start for development. Every file of the build's `pkg/` (the WASM,
//! the chunks `cargo leptos build --split` cuts from it, the JS that loads them, the
//! CSS) is also served under a directory named by the hash of them all
//! (`/pkg/<hash>/kunci.wasm`), which the pages link and which is cached for a year
//! (`immutable`): the chunks load each other by relative names, so one versioned
//! directory keeps a page, its WASM and its chunks from one build. Every other file is
//! revalidated by its `ETag`. A file's brotli or gzip twin is sent when the client
//! accepts it.

use axum::body::{Body, Bytes};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;

/// The site as `cargo leptos build` left it in `target/site` when the server was
/// compiled. In a debug build it is read from there at run time instead.
#[derive(rust_embed::RustEmbed)]
#[folder = "../target/site"]
#[allow_missing = true]
struct Embedded;

/// The name cargo-leptos gives the WASM, JS and CSS (`output-name`).
const OUTPUT_NAME: &str = "kunci";

/// The chunks' loader that `cargo leptos build --split` writes beside them.
const SPLIT_LOADER: &str = "__wasm_split.______________________.js";
/// A year: what a content-hashed file may be cached for.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// One file, with its compressed twins when the build made them. The bytes are shared
/// (embedded ones are never copied), so a clone costs nothing.
#[derive(Clone)]
struct Asset {
    content_type: HeaderValue,
    etag: String,
    identity: Bytes,
    brotli: Option<Bytes>,
    gzip: Option<Bytes>,
    /// Served under a content-hashed name: cached for good.
    immutable: bool,
}

/// Every file of the site by its URL path (`/pkg/kunci.wasm`, `/favicon.svg`).
pub struct Site {
    files: HashMap<String, Asset>,
    /// `pkg/<hash>`: the directory the pages load the WASM, JS and CSS from.
    pkg_dir: String,
    /// Each split point's chunks (`__wasm_split_manifest.json` of a `--split` build).
    split_manifest: Option<leptos::WasmSplitManifest>,
}

/// A content-addressed file name could not be built, or a `--site-root` is unreadable.
#[derive(Debug, thiserror::Error)]
#[error("cannot read the site at {path}: {error}")]
pub struct SiteError {
    path: String,
    error: std::io::Error,
}

impl Site {
    /// The embedded site, or the one at `root` when given.
    pub fn load(root: Option<&Path>) -> Result<Site, SiteError> {
        let raw = match root {
            Some(root) => read_dir(root, root).map_err(|error| SiteError {
                path: root.display().to_string(),
                error,
            })?,
            None => Embedded::iter()
                .filter_map(|name| {
                    let file = Embedded::get(&name)?;
                    let bytes = match file.data {
                        std::borrow::Cow::Borrowed(b) => Bytes::from_static(b),
                        std::borrow::Cow::Owned(v) => Bytes::from(v),
                    };
                    Some((name.replace('\\', "/"), bytes))
                })
                .collect(),
        };
        Ok(Site::from_files(raw))
    }

    /// Whether the site has the dashboard's WASM (a release built without
    /// cargo-leptos embeds none).
    pub fn has_dashboard(&self) -> bool {
        self.files.contains_key(&format!("/pkg/{OUTPUT_NAME}.wasm"))
    }

    /// The name cargo-leptos gives the WASM, JS and CSS, for Leptos' options.
    pub fn output_name(&self) -> &'static str {
        OUTPUT_NAME
    }

    /// `pkg/<hash>`, Leptos' `site_pkg_dir`: the pages link the versioned directory.
    pub fn pkg_dir(&self) -> &str {
        &self.pkg_dir
    }

    /// Each split point's chunks, for Leptos to link the chunks of the lazy pages a
    /// page shows (`<link rel=preload>`), so that they download beside the main WASM
    /// instead of after it. Leptos reads the file from `site_root` on disk, which an
    /// embedded site does not have.
    pub fn split_manifest(&self) -> Option<leptos::WasmSplitManifest> {
        self.split_manifest.clone()
    }

    fn from_files(raw: HashMap<String, Bytes>) -> Site {
        // One hash over every file of `pkg/`, names and bytes: a change to any moves
        // them all to a new directory.
        let mut built: Vec<(&String, &Bytes)> = raw
            .iter()
            .filter(|(name, _)| name.starts_with("pkg/") && !is_twin(name))
            .collect();
        built.sort_by_key(|(name, _)| *name);
        let mut hasher = Sha256::new();
        for (name, bytes) in built {
            for part in [name.as_bytes(), bytes] {
                hasher.update((part.len() as u64).to_le_bytes());
                hasher.update(part);
            }
        }
        let pkg_dir = format!("pkg/{}", hex::encode(&hasher.finalize()[..8]));
        let mut files = HashMap::new();
        for (name, bytes) in &raw {
            if is_twin(name) {
                continue;
            }
            let twin = |ext: &str| raw.get(&format!("{name}.{ext}")).cloned();
            let asset = Asset {
                content_type: HeaderValue::from_str(
                    mime_guess::from_path(name)
                        .first_or_octet_stream()
                        .essence_str(),
                )
                .unwrap_or(HeaderValue::from_static("application/octet-stream")),
                etag: format!("\"{}\"", hex::encode(&Sha256::digest(bytes)[..12])),
                identity: bytes.clone(),
                brotli: twin("br"),
                gzip: twin("gz"),
                immutable: false,
            };
            if let Some(inner) = name.strip_prefix("pkg/") {
                let versioned = Asset {
                    immutable: true,
                    ..asset.clone()
                };
                if inner == format!("{OUTPUT_NAME}.wasm") {
                    // Leptos links `<name>_bg.wasm` when built outside cargo-leptos.
                    files.insert(
                        format!("/{pkg_dir}/{OUTPUT_NAME}_bg.wasm"),
                        versioned.clone(),
                    );
                }
                files.insert(format!("/{pkg_dir}/{inner}"), versioned);
            }
            files.insert(format!("/{name}"), asset);
        }
        let split_manifest = raw
            .get("pkg/__wasm_split_manifest.json")
            .and_then(|json| serde_json::from_slice(json).ok())
            .map(|chunks: HashMap<String, Vec<String>>| {
                leptos::WasmSplitManifest(leptos::prelude::ArcStoredValue::new((
                    format!("/{pkg_dir}"),
                    chunks,
                    SPLIT_LOADER.to_string(),
                )))
            });
        Site {
            files,
            pkg_dir,
            split_manifest,
        }
    }

    /// The file at `path` for a request with `headers`, or `None` when there is none.
    pub fn answer(&self, path: &str, headers: &HeaderMap) -> Option<Response> {
        let asset = self.files.get(path)?;
        let vary = (header::VARY, HeaderValue::from_static("accept-encoding"));
        let cache = HeaderValue::from_static(if asset.immutable {
            IMMUTABLE
        } else {
            "no-cache"
        });
        let accepted = Encoding::chosen(headers, asset.brotli.is_some(), asset.gzip.is_some());
        let (bytes, encoding) = match accepted {
            Encoding::Brotli => (asset.brotli.clone()?, Some("br")),
            Encoding::Gzip => (asset.gzip.clone()?, Some("gzip")),
            Encoding::Identity => (asset.identity.clone(), None),
        };
        // One validator per representation.
        let etag = match encoding {
            Some(e) => format!("{}-{e}\"", asset.etag.trim_end_matches('"')),
            None => asset.etag.clone(),
        };
        let etag = HeaderValue::from_str(&etag).ok()?;
        let fresh = headers
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|t| t.trim() == etag || t.trim() == "*"));
        if fresh {
            return Some(
                (
                    StatusCode::NOT_MODIFIED,
                    [(header::ETAG, etag), (header::CACHE_CONTROL, cache), vary],
                )
                    .into_response(),
            );
        }
        let mut response = (
            [
                (header::CONTENT_TYPE, asset.content_type.clone()),
                (header::ETAG, etag),
                (header::CACHE_CONTROL, cache),
                vary,
            ],
            Body::from(bytes),
        )
            .into_response();
        if let Some(e) = encoding {
            response
                .headers_mut()
                .insert(header::CONTENT_ENCODING, HeaderValue::from_static(e));
        }
        Some(response)
    }
}

/// A compressed twin (`x.wasm.br`), served only as its file's representation.
fn is_twin(name: &str) -> bool {
    name.ends_with(".br") || name.ends_with(".gz")
}

/// How a file is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Brotli,
    Gzip,
    Identity,
}

impl Encoding {
    /// The best encoding `Accept-Encoding` allows among those the file has: the
    /// highest `q`, brotli before gzip on a tie; `q=0` refuses one.
    fn chosen(headers: &HeaderMap, has_brotli: bool, has_gzip: bool) -> Encoding {
        let mut brotli = 0u16;
        let mut gzip = 0u16;
        for value in headers.get_all(header::ACCEPT_ENCODING) {
            let Ok(value) = value.to_str() else { continue };
            for part in value.split(',') {
                let mut pieces = part.split(';');
                let coding = pieces
                    .next()
                    .unwrap_or_default()
                    .trim()
                    .to_ascii_lowercase();
                let q = pieces
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .map_or(Some(1000), |q| {
                        q.trim()
                            .parse::<f32>()
                            .ok()
                            .filter(|q| (0.0..=1.0).contains(q))
                            .map(|q| (q * 1000.0) as u16)
                    })
                    .unwrap_or(0);
                match coding.as_str() {
                    "br" => brotli = q,
                    "gzip" | "x-gzip" => gzip = q,
                    "*" => {
                        brotli = brotli.max(q);
                        gzip = gzip.max(q);
                    }
                    _ => {}
                }
            }
        }
        let brotli = if has_brotli { brotli } else { 0 };
        let gzip = if has_gzip { gzip } else { 0 };
        if brotli > 0 && brotli >= gzip {
            Encoding::Brotli
        } else if gzip > 0 {
            Encoding::Gzip
        } else {
            Encoding::Identity
        }
    }
}

/// Every file under `dir`, by its path relative to `root` (`/`-separated).
fn read_dir(root: &Path, dir: &Path) -> std::io::Result<HashMap<String, Bytes>> {
    let mut out = HashMap::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            out.extend(read_dir(root, &path)?);
        } else if let Ok(relative) = path.strip_prefix(root) {
            let name = relative.to_string_lossy().replace('\\', "/");
            out.insert(name, Bytes::from(std::fs::read(&path)?));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> Site {
        let files: HashMap<String, Bytes> = [
            ("pkg/kunci.wasm", &b"\0asm wasm"[..]),
            ("pkg/kunci.wasm.br", b"br bytes"),
            ("pkg/kunci.wasm.gz", b"gz bytes"),
            ("pkg/kunci.js", b"export default 1"),
            ("pkg/kunci.css", b"body{}"),
            ("pkg/split_a1_tokens_tab.wasm", b"\0asm chunk"),
            ("pkg/__wasm_split.js", b"export {}"),
            ("favicon.svg", b"<svg/>"),
        ]
        .into_iter()
        .map(|(n, b)| (n.to_string(), Bytes::from_static(b)))
        .collect();
        Site::from_files(files)
    }

    fn get(site: &Site, path: &str, headers: &[(&'static str, &str)]) -> Option<Response> {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.append(*k, HeaderValue::from_str(v).unwrap());
        }
        site.answer(path, &map)
    }

    fn head(r: &Response, name: header::HeaderName) -> &str {
        r.headers().get(name).map_or("", |v| v.to_str().unwrap())
    }

    #[test]
    fn encodings_follow_accept_encoding_and_its_weights() {
        let h = |v: &str| {
            let mut m = HeaderMap::new();
            m.insert(
                header::ACCEPT_ENCODING,
                HeaderValue::from_bytes(v.as_bytes()).unwrap(),
            );
            m
        };
        let cases = [
            ("gzip, deflate, br", Encoding::Brotli),
            ("gzip", Encoding::Gzip),
            ("br;q=0.5, gzip;q=0.8", Encoding::Gzip),
            ("br;q=0, gzip;q=0", Encoding::Identity),
            ("*", Encoding::Brotli),
            ("identity", Encoding::Identity),
            ("br;q=2", Encoding::Identity),
            ("BR", Encoding::Brotli),
            // Bytes that are no text: the header is ignored.
            ("br\u{e9}, gzip", Encoding::Identity),
            ("br;q=abc", Encoding::Identity),
        ];
        for (value, want) in cases {
            assert_eq!(Encoding::chosen(&h(value), true, true), want, "{value:?}");
        }
        assert_eq!(
            Encoding::chosen(&HeaderMap::new(), true, true),
            Encoding::Identity
        );
        assert_eq!(Encoding::chosen(&h("br"), false, true), Encoding::Identity);
    }

    #[test]
    fn versioned_files_are_immutable_and_plain_names_revalidate() {
        let site = site();
        let dir = site.pkg_dir().to_string();
        let hash = dir.strip_prefix("pkg/").unwrap();
        assert!(hash.len() == 16 && hash.bytes().all(|b| b.is_ascii_hexdigit()));
        let versioned = get(
            &site,
            &format!("/{dir}/kunci.wasm"),
            &[("accept-encoding", "br")],
        )
        .unwrap();
        assert_eq!(head(&versioned, header::CACHE_CONTROL), IMMUTABLE);
        assert_eq!(head(&versioned, header::CONTENT_ENCODING), "br");
        assert_eq!(head(&versioned, header::CONTENT_TYPE), "application/wasm");
        assert_eq!(head(&versioned, header::VARY), "accept-encoding");
        let plain = get(&site, "/pkg/kunci.wasm", &[]).unwrap();
        assert_eq!(head(&plain, header::CACHE_CONTROL), "no-cache");
        assert_eq!(head(&plain, header::CONTENT_ENCODING), "");
        // A file with no compressed twin goes as it is.
        let js = get(
            &site,
            &format!("/{dir}/kunci.js"),
            &[("accept-encoding", "br, gzip")],
        )
        .unwrap();
        assert_eq!(head(&js, header::CONTENT_ENCODING), "");
        assert_eq!(head(&js, header::CONTENT_TYPE), "text/javascript");
        // A chunk cut by `--split`, and the JS that loads it, sit beside the main WASM.
        for chunk in ["split_a1_tokens_tab.wasm", "__wasm_split.js"] {
            let r = get(&site, &format!("/{dir}/{chunk}"), &[]).unwrap();
            assert_eq!(head(&r, header::CACHE_CONTROL), IMMUTABLE, "{chunk}");
        }
        assert!(
            get(&site, "/pkg/kunci.wasm.br", &[]).is_none(),
            "twins are not files"
        );
        assert!(get(&site, "/pkg/other.wasm", &[]).is_none());
        assert!(get(&site, &format!("/{dir}/other.wasm"), &[]).is_none());
        assert!(get(&site, &format!("/{dir}/kunci_bg.wasm"), &[]).is_some());
        // Files outside `pkg/` have no versioned name.
        assert!(get(&site, &format!("/{dir}/favicon.svg"), &[]).is_none());
        assert!(get(&site, "/favicon.svg", &[]).is_some());
    }

    #[test]
    fn a_known_etag_answers_304_per_representation() {
        let site = site();
        let first = get(&site, "/favicon.svg", &[]).unwrap();
        let etag = head(&first, header::ETAG).to_string();
        let again = get(&site, "/favicon.svg", &[("if-none-match", &etag)]).unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
        let br = get(&site, "/pkg/kunci.wasm", &[("accept-encoding", "br")]).unwrap();
        let plain = get(&site, "/pkg/kunci.wasm", &[]).unwrap();
        assert_ne!(head(&br, header::ETAG), head(&plain, header::ETAG));
        let stale = get(
            &site,
            "/pkg/kunci.wasm",
            &[
                ("accept-encoding", "br"),
                ("if-none-match", head(&plain, header::ETAG)),
            ],
        )
        .unwrap();
        assert_eq!(stale.status(), StatusCode::OK);
    }

    #[test]
    fn a_change_to_any_built_file_moves_them_all() {
        let files = || -> HashMap<String, Bytes> {
            [
                ("pkg/kunci.wasm", &b"\0asm main"[..]),
                ("pkg/kunci.js", b"export default 1"),
                ("pkg/kunci.css", b"body{}"),
                ("pkg/split_a1_tokens_tab.wasm", b"\0asm chunk"),
                ("favicon.svg", b"<svg/>"),
            ]
            .into_iter()
            .map(|(n, b)| (n.to_string(), Bytes::from_static(b)))
            .collect()
        };
        let first = Site::from_files(files()).pkg_dir().to_string();
        assert_eq!(Site::from_files(files()).pkg_dir(), first, "stable");
        let changed = |name: &str, bytes: &'static [u8]| {
            let mut f = files();
            f.insert(name.to_string(), Bytes::from_static(bytes));
            Site::from_files(f).pkg_dir().to_string()
        };
        assert_ne!(changed("pkg/kunci.css", b"body{color:red}"), first);
        assert_ne!(
            changed("pkg/split_a1_tokens_tab.wasm", b"\0asm other"),
            first
        );
        assert_ne!(
            changed("pkg/split_b2_more.wasm", b"\0asm"),
            first,
            "a new chunk"
        );
        // A file outside `pkg/`, or a compressed twin, is not part of the build's name.
        assert_eq!(changed("favicon.svg", b"<svg></svg>"), first);
        assert_eq!(changed("pkg/kunci.css.br", b"other"), first);
    }
}

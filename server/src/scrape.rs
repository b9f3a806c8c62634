//! The metrics listener (`--metrics-listen`): `/metrics` and nothing else, each scrape
//! reading the live counts from the services first.

use std::sync::Arc;

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

use std::sync::atomic::Ordering;

use kunci_core::storage::cache::CacheState;

use crate::kunci::Kunci;
use crate::metrics::{Live, Metrics};

pub fn router(kunci: Arc<Kunci>, metrics: Arc<Metrics>) -> axum::Router {
    axum::Router::new()
        .route("/metrics", axum::routing::get(serve_metrics))
        .with_state((kunci, metrics))
}

async fn serve_metrics(State((kunci, metrics)): State<(Arc<Kunci>, Arc<Metrics>)>) -> Response {
    let load = kunci.hasher.load();
    let tokens = kunci.tokens.live_count().await;
    if let Err(e) = &tokens {
        tracing::warn!(error = %e, "cannot count the live tokens");
    }
    let sessions = kunci.sessions.live_count().await;
    if let Err(e) = &sessions {
        tracing::warn!(error = %e, "cannot count the live sessions");
    }
    let store = &kunci.store;
    let live = Live {
        hash_queued: load.queued,
        hash_running: load.running,
        tokens: tokens.ok(),
        sessions: sessions.ok(),
        caches_on: matches!(
            store.cache_state(),
            CacheState::Files | CacheState::Following
        ),
        cache_lookups: store
            .cache_counts()
            .into_iter()
            .map(|(cache, c)| {
                let n = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
                (cache, [n(&c.hits), n(&c.misses), n(&c.bypassed)])
            })
            .collect(),
    };
    match metrics.scrape(live) {
        Ok((content_type, text)) => ([(header::CONTENT_TYPE, content_type)], text).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "cannot encode the metrics");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}

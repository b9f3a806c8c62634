//! Request bodies: the one size limit, for the REST API and the server functions alike,
//! and the bounded reader that holds it.

use axum::body::{Body, Bytes};
use axum::http::StatusCode;

/// Request bodies larger than this are refused with HTTP 413.
pub const MAX_BODY_BYTES: usize = 1 << 20;
/// A body over the limit is read on and thrown away up to this size before the 413 is
/// sent: a client still sending it then reads the answer, where an early close would
/// reach it as a connection reset. Anything larger is cut off at once.
pub const DRAIN_BODY_BYTES: usize = 8 << 20;

/// Reads a body of at most [`MAX_BODY_BYTES`]; 413 for a larger one, after reading it
/// to its end (up to [`DRAIN_BODY_BYTES`]) so the client sees the answer.
pub async fn read_body(body: Body) -> Result<Bytes, StatusCode> {
    use futures::StreamExt;
    let mut stream = body.into_data_stream();
    let mut kept = Vec::new();
    let mut total = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| StatusCode::BAD_REQUEST)?;
        total += chunk.len();
        if total <= MAX_BODY_BYTES {
            kept.extend_from_slice(&chunk);
        } else if total > DRAIN_BODY_BYTES {
            break;
        }
    }
    if total > MAX_BODY_BYTES {
        return Err(StatusCode::PAYLOAD_TOO_LARGE);
    }
    Ok(kept.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_body_at_the_limit_is_kept_and_one_byte_more_is_413() {
        let at = read_body(Body::from(vec![b'x'; MAX_BODY_BYTES])).await;
        assert_eq!(at.map(|b| b.len()), Ok(MAX_BODY_BYTES));
        let over = read_body(Body::from(vec![b'x'; MAX_BODY_BYTES + 1])).await;
        assert_eq!(over, Err(StatusCode::PAYLOAD_TOO_LARGE));
    }
}

//! The client of a request, as the middleware found it (`app::backend::ClientMeta`),
//! in the core's terms.

use app::backend::ClientMeta;
use kunci_core::Client;

pub fn core_client(meta: &ClientMeta) -> Client {
    Client {
        ip: meta.ip.clone(),
        user_agent: meta.user_agent.clone(),
    }
}

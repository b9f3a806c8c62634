//! Answers written once and shared while what they were written from stays the same.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use bytes::Bytes;

/// Answers, each kept beside the model it was written from, by a key of the caller's
/// (GetEnvInfo: the environment's id and `lazy`). The store's read cache hands out one
/// model (one `Arc`) until what it holds changes or its entry is read again, then a new
/// one; so an answer that is a function of its model alone is reused only while the
/// store still gives that very model (`Arc::ptr_eq`; the model is held here, so its
/// address cannot be reused meanwhile): whatever makes the cache read again makes the
/// answer be written again, on any instance, and it is never older than the cache.
/// Without caches every read is a new model, and the answer is written every time.
pub struct KeptAnswers<M> {
    kept: Mutex<HashMap<(i64, bool), Kept<M>>>,
}

struct Kept<M> {
    model: Arc<M>,
    body: Bytes,
}

/// The most answers kept; past it they are all dropped and kept again as asked.
const KEPT_AT_MOST: usize = 1024;

impl<M> Default for KeptAnswers<M> {
    fn default() -> Self {
        KeptAnswers {
            kept: Mutex::new(HashMap::new()),
        }
    }
}

impl<M> KeptAnswers<M> {
    /// The answer kept under `key` when it was written from `model`, else the one
    /// `write` gives, kept from now on.
    pub fn get_or_write<E>(
        &self,
        key: (i64, bool),
        model: &Arc<M>,
        write: impl FnOnce() -> Result<Bytes, E>,
    ) -> Result<Bytes, E> {
        if let Some(kept) = self.lock().get(&key)
            && Arc::ptr_eq(&kept.model, model)
        {
            return Ok(kept.body.clone());
        }
        let body = write()?;
        let mut kept = self.lock();
        if kept.len() >= KEPT_AT_MOST && !kept.contains_key(&key) {
            kept.clear();
        }
        let model = Arc::clone(model);
        let written = Kept {
            model,
            body: body.clone(),
        };
        kept.insert(key, written);
        Ok(body)
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<(i64, bool), Kept<M>>> {
        self.kept.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &'static str) -> impl FnOnce() -> Result<Bytes, ()> {
        move || Ok(Bytes::from_static(text.as_bytes()))
    }

    #[test]
    fn an_answer_is_reused_only_for_the_very_model_it_was_written_from() {
        let answers = KeptAnswers::<String>::default();
        let first = Arc::new("model".to_string());
        assert_eq!(
            answers.get_or_write((1, false), &first, write("a")),
            Ok("a".into())
        );
        assert_eq!(
            answers.get_or_write((1, false), &first, write("b")),
            Ok("a".into())
        );
        // An equal model read again is another model: written again.
        let again = Arc::new("model".to_string());
        assert_eq!(
            answers.get_or_write((1, false), &again, write("c")),
            Ok("c".into())
        );
        assert_eq!(
            answers.get_or_write((1, false), &first, write("d")),
            Ok("d".into())
        );
        // Keys are apart.
        assert_eq!(
            answers.get_or_write((1, true), &first, write("e")),
            Ok("e".into())
        );
        assert_eq!(
            answers.get_or_write((2, false), &first, write("f")),
            Ok("f".into())
        );
        assert_eq!(
            answers.get_or_write((1, false), &first, write("g")),
            Ok("d".into())
        );
        // A failed write keeps nothing.
        let failed: Result<Bytes, ()> = answers.get_or_write((3, false), &first, || Err(()));
        assert_eq!(failed, Err(()));
        assert_eq!(
            answers.get_or_write((3, false), &first, write("h")),
            Ok("h".into())
        );
    }

    #[test]
    fn past_the_limit_the_kept_answers_are_dropped() {
        let answers = KeptAnswers::<u8>::default();
        let model = Arc::new(0);
        for id in 0..KEPT_AT_MOST as i64 {
            answers
                .get_or_write((id, false), &model, write("x"))
                .unwrap();
        }
        assert_eq!(answers.lock().len(), KEPT_AT_MOST);
        answers
            .get_or_write((-1, false), &model, write("y"))
            .unwrap();
        assert_eq!(answers.lock().len(), 1);
    }
}

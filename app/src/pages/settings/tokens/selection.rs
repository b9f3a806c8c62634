//! Which rows of the token list are selected, in plain Rust: click, Ctrl/Cmd+click,
//! Shift+click for a range from the last clicked row (the anchor).

use crate::model::TokenView;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selection {
    /// The selected tokens' ids, in the order they were chosen.
    ids: Vec<i64>,
    /// The row a Shift+click range starts from.
    anchor: Option<usize>,
}

impl Selection {
    pub fn contains(&self, id: i64) -> bool {
        self.ids.contains(&id)
    }

    pub fn len(&self) -> usize {
        self.ids.len()
    }

    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// A click on row `index` of `rows`: `toggle` (Ctrl/Cmd) adds or removes it, `range`
    /// (Shift) selects from the anchor to it; a plain click selects it alone.
    pub fn click(&mut self, rows: &[TokenView], index: usize, toggle: bool, range: bool) {
        let Some(id) = rows.get(index).map(|t| t.id) else {
            return;
        };
        if let (true, Some(a)) = (range, self.anchor) {
            let (lo, hi) = if a <= index { (a, index) } else { (index, a) };
            let hi = hi.min(rows.len() - 1);
            self.ids = rows[lo..=hi].iter().map(|t| t.id).collect();
            return;
        }
        if toggle {
            match self.ids.iter().position(|x| *x == id) {
                Some(p) => {
                    self.ids.remove(p);
                }
                None => self.ids.push(id),
            }
        } else {
            self.ids = vec![id];
        }
        self.anchor = Some(index);
    }

    /// Selects `id` alone (a double-click, a saved or new token), keeping the anchor.
    pub fn only(&mut self, id: i64) {
        self.ids = vec![id];
    }

    pub fn clear(&mut self) {
        self.ids.clear();
    }

    /// Keeps the selection where the rows still exist (after a reload).
    pub fn retain_in(&mut self, rows: &[TokenView]) {
        self.ids.retain(|id| rows.iter().any(|t| t.id == *id));
    }

    /// The selected tokens, in list order.
    pub fn chosen(&self, rows: &[TokenView]) -> Vec<TokenView> {
        rows.iter()
            .filter(|t| self.contains(t.id))
            .cloned()
            .collect()
    }

    /// The selected token when exactly one is (what Edit and Copy act on).
    pub fn single(&self, rows: &[TokenView]) -> Option<TokenView> {
        match self.ids[..] {
            [id] => rows.iter().find(|t| t.id == id).cloned(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(ids: &[i64]) -> Vec<TokenView> {
        ids.iter()
            .map(|&id| TokenView {
                id,
                description: format!("t{id}"),
                template: None,
                methods: Vec::new(),
                expires_at: None,
                expired: false,
                last_used: None,
                created_on: String::new(),
                issued_at: 0,
                ip_allowlist: Vec::new(),
                env_names: Vec::new(),
            })
            .collect()
    }

    fn ids(s: &Selection) -> Vec<i64> {
        s.ids.clone()
    }

    #[test]
    fn click_selects_one_row_alone() {
        let list = rows(&[10, 20, 30]);
        let mut s = Selection::default();
        s.click(&list, 0, false, false);
        s.click(&list, 1, false, false);
        assert_eq!(ids(&s), [20]);
        assert_eq!(s.single(&list).map(|t| t.id), Some(20));
    }

    #[test]
    fn ctrl_click_adds_and_removes() {
        let list = rows(&[10, 20, 30]);
        let mut s = Selection::default();
        s.click(&list, 0, false, false);
        s.click(&list, 2, true, false);
        assert_eq!(ids(&s), [10, 30]);
        s.click(&list, 0, true, false);
        assert_eq!(ids(&s), [30]);
    }

    #[test]
    fn shift_click_selects_the_range_from_the_anchor_either_way() {
        let list = rows(&[10, 20, 30, 40]);
        let mut s = Selection::default();
        s.click(&list, 1, false, false);
        s.click(&list, 3, false, true);
        assert_eq!(ids(&s), [20, 30, 40]);
        // The anchor stays: a second range starts from the same row.
        s.click(&list, 0, false, true);
        assert_eq!(ids(&s), [10, 20]);
    }

    #[test]
    fn shift_click_without_anchor_is_a_plain_click() {
        let list = rows(&[10, 20]);
        let mut s = Selection::default();
        s.click(&list, 1, false, true);
        assert_eq!(ids(&s), [20]);
    }

    #[test]
    fn shift_click_range_is_cut_to_a_shorter_list() {
        let mut s = Selection::default();
        s.click(&rows(&[10, 20, 30, 40]), 3, false, false);
        s.click(&rows(&[10, 20]), 0, false, true);
        assert_eq!(ids(&s), [10, 20]);
    }

    #[test]
    fn click_outside_the_list_changes_nothing() {
        let list = rows(&[10]);
        let mut s = Selection::default();
        s.click(&list, 0, false, false);
        s.click(&list, 5, false, false);
        assert_eq!(ids(&s), [10]);
    }

    #[test]
    fn reload_keeps_only_rows_that_remain() {
        let mut s = Selection::default();
        let list = rows(&[10, 20, 30]);
        s.click(&list, 0, false, false);
        s.click(&list, 2, true, false);
        s.retain_in(&rows(&[20, 30]));
        assert_eq!(ids(&s), [30]);
    }

    #[test]
    fn chosen_lists_selected_tokens_in_list_order_and_single_needs_one() {
        let list = rows(&[10, 20, 30]);
        let mut s = Selection::default();
        s.click(&list, 2, false, false);
        s.click(&list, 0, true, false);
        let chosen: Vec<i64> = s.chosen(&list).iter().map(|t| t.id).collect();
        assert_eq!(chosen, [10, 30]);
        assert_eq!(s.single(&list), None);
        s.clear();
        assert!(s.is_empty());
        assert_eq!(s.single(&list), None);
    }
}

//! A count of extraction's elementary steps, so tests can check that work grows linearly
//! with the input (no wall clock involved: the count is the same on any machine, loaded
//! or not).
//!
//! Every loop whose length depends on the input's size, rather than on a fixed window,
//! adds its iterations here: tokenizing, sentence splitting, gazetteer matching, the
//! per-token passes of the mention and relation stages, and the scans that look back over
//! earlier sentences, blocks or events. A loop bounded by a constant (a sentence is at most
//! [`crate::text::MAX_SENTENCE_TOKENS`] tokens) counts its iterations too, so a constant
//! that grew with the input would show. The counter is per thread, so parallel extraction
//! does not mix counts.

use std::cell::Cell;

thread_local! {
    static STEPS: Cell<u64> = const { Cell::new(0) };
}

/// Adds `n` steps to this thread's count.
#[inline]
pub(crate) fn add(n: usize) {
    STEPS.with(|s| s.set(s.get().wrapping_add(n as u64)));
}

/// Runs `f` and returns its result with the steps it counted on this thread.
pub fn counted<T>(f: impl FnOnce() -> T) -> (T, u64) {
    let before = STEPS.with(Cell::get);
    let out = f();
    (out, STEPS.with(Cell::get).wrapping_sub(before))
}

//! The whole extractor on arbitrary text: no panic, every offset indexes the original
//! text (checks in tests/props/checks.rs).
#![no_main]

#[path = "../../tests/props/checks.rs"]
mod checks;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    checks::check_extraction(&String::from_utf8_lossy(data));
});

//! The article reader on arbitrary bytes: the binary check, UTF-8 repair, and the
//! header/Markdown/plain parsers (checks in tests/props/checks.rs).
#![no_main]

#[path = "../../tests/props/checks.rs"]
mod checks;

use libfuzzer_sys::fuzz_target;
use newskg::article::Format;

fuzz_target!(|data: &[u8]| {
    let _ = newskg::input::looks_binary(data);
    let text = String::from_utf8_lossy(data);
    for format in [Format::Auto, Format::Markdown, Format::Plain] {
        checks::check_article(&text, format);
    }
});

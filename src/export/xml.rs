//! A small layer over quick-xml's writer for the XML formats (GraphML, GEXF, SVG): every
//! text goes through [`super::clean`] and quick-xml's escaping; attribute values also
//! keep their line breaks and tabs as character references, which XML parsers would
//! otherwise normalise to spaces.

use std::borrow::Cow;
use std::io::{self, Write};

use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::name::QName;
use quick_xml::Writer;

use super::clean;

pub(super) struct Xml<'w> {
    w: Writer<&'w mut dyn Write>,
}

/// An attribute value escaped for XML, whitespace included.
fn attribute_value(v: &str) -> Vec<u8> {
    let cleaned = clean(v);
    let escaped = quick_xml::escape::escape(cleaned.as_ref());
    if escaped.contains(['\n', '\t']) {
        escaped.replace('\n', "&#10;").replace('\t', "&#9;").into_bytes()
    } else {
        escaped.into_owned().into_bytes()
    }
}

fn element<'a>(name: &'a str, attrs: &[(&str, &str)]) -> BytesStart<'a> {
    let mut e = BytesStart::new(name);
    for (k, v) in attrs {
        e.push_attribute(Attribute { key: QName(k.as_bytes()), value: Cow::Owned(attribute_value(v)) });
    }
    e
}

impl<'w> Xml<'w> {
    pub(super) fn new(out: &'w mut dyn Write) -> io::Result<Xml<'w>> {
        let mut w = Writer::new_with_indent(out, b' ', 2);
        w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
        Ok(Xml { w })
    }

    pub(super) fn comment(&mut self, text: &str) -> io::Result<()> {
        // "--" may not occur in a comment.
        let t = clean(text).replace("--", "- -");
        self.w.write_event(Event::Comment(BytesText::from_escaped(format!(" {t} "))))
    }

    pub(super) fn start(&mut self, name: &str, attrs: &[(&str, &str)]) -> io::Result<()> {
        self.w.write_event(Event::Start(element(name, attrs)))
    }

    pub(super) fn empty(&mut self, name: &str, attrs: &[(&str, &str)]) -> io::Result<()> {
        self.w.write_event(Event::Empty(element(name, attrs)))
    }

    pub(super) fn end(&mut self, name: &str) -> io::Result<()> {
        self.w.write_event(Event::End(BytesEnd::new(name)))
    }

    pub(super) fn text(&mut self, text: &str) -> io::Result<()> {
        self.w.write_event(Event::Text(BytesText::new(&clean(text))))
    }

    /// `<name attrs>text</name>` on one line.
    pub(super) fn leaf(&mut self, name: &str, attrs: &[(&str, &str)], text: &str) -> io::Result<()> {
        // quick-xml writes no indentation around text, so the text is exactly the value.
        self.start(name, attrs)?;
        self.text(text)?;
        self.end(name)
    }

    pub(super) fn finish(mut self) -> io::Result<()> {
        self.w.get_mut().write_all(b"\n")?;
        self.w.get_mut().flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_keep_line_breaks_and_escape_markup() {
        assert_eq!(attribute_value("a\"<&>'\nb\tc"), b"a&quot;&lt;&amp;&gt;&apos;&#10;b&#9;c".to_vec());
        assert_eq!(attribute_value("x\u{1}y"), "x\u{FFFD}y".as_bytes().to_vec());
    }
}

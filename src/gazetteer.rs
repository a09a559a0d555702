//! The gazetteer: the actors and places newskg knows by name, loaded from the TSV files
//! in `data/gazetteer/`, and the multi-pattern matcher that finds them in text.
//!
//! Matching is case-sensitive where case carries meaning (`China` the country, `china` the
//! material; `US` but not `us`), takes the longest match at word boundaries, and leaves
//! context rules (guards) to the mention stage.

// Keys are words and ids of our own data, not attacker-chosen: the fast hasher is safe.
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use aho_corasick::{AhoCorasick, MatchKind};

use crate::data::{DataError, DataFiles};
use crate::model::EntityType;

/// One actor or place of the gazetteer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    pub id: String,
    pub kind: EntityType,
    pub label: String,
    pub iso3: Option<String>,
    pub wikidata: Option<String>,
    /// The entity this one belongs to (a city's country, a person's state or body).
    pub parent: Option<String>,
    /// For capitals and seats of government: the actor the name stands for when it is
    /// used as an actor ("Moscow said").
    pub stands_for: Option<String>,
    /// Description classes the entity answers to (`bloc`, `alliance`, `junta`…).
    pub classes: Vec<String>,
}

/// How a surface form names its entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SurfaceKind {
    Alias,
    Demonym,
}

/// A context rule against a false hit of one surface form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Guard {
    /// Skip when the next token is a capitalised word ("Chad Smith").
    NotBeforeName,
    /// Skip when the previous token is a capitalised word ("Michael Jordan").
    NotAfterName,
    /// Skip when one of these words occurs in the sentence, spelt exactly so
    /// ("Commanders" the team, not "commanders").
    NotWith(Vec<String>),
    /// Skip when the next word is one of these (lowercase).
    NotBefore(Vec<String>),
}

/// A gazetteer hit: byte span, entry index, and how it was named.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hit {
    pub start: usize,
    pub end: usize,
    pub entry: usize,
    pub kind: SurfaceKind,
}

/// The loaded gazetteer and its matcher.
#[derive(Debug)]
pub struct Gazetteer {
    entries: Vec<Entry>,
    by_id: HashMap<String, usize>,
    patterns: Vec<(usize, SurfaceKind)>,
    matcher: AhoCorasick,
    guards: HashMap<String, Vec<Guard>>,
    given_names: HashSet<String>,
}

const FIELDS: [&str; 10] =
    ["id", "type", "label", "iso3", "wikidata", "aliases", "demonyms", "parent", "stands_for", "classes"];

impl Gazetteer {
    /// Loads every `gazetteer/*.tsv` (except `guards.tsv`), `gazetteer/guards.tsv` and
    /// `gazetteer/given-names.txt` of `files`.
    pub fn load(files: &DataFiles) -> Result<Gazetteer, DataError> {
        let mut entries: Vec<Entry> = Vec::new();
        let mut by_id: HashMap<String, usize> = HashMap::default();
        let mut surfaces: Vec<(String, usize, SurfaceKind, String, usize)> = Vec::new();
        let mut guards: HashMap<String, Vec<Guard>> = HashMap::default();
        let mut given_names = HashSet::default();
        for (path, text) in files.under("gazetteer/") {
            let file = files.display(path);
            if path.ends_with("guards.tsv") {
                load_guards(&file, text, &mut guards)?;
                continue;
            }
            if path.ends_with(".txt") {
                given_names.extend(
                    text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).map(str::to_string),
                );
                continue;
            }
            for (n, line) in text.lines().enumerate() {
                let line_no = n + 1;
                let err = |message: String| DataError { file: file.clone(), line: line_no, message };
                if line.trim().is_empty() || line.starts_with('#') {
                    continue;
                }
                let f: Vec<&str> = line.split('\t').map(str::trim).collect();
                if f.len() != FIELDS.len() {
                    return Err(err(format!(
                        "expected {} tab-separated fields ({}), found {}",
                        FIELDS.len(),
                        FIELDS.join(", "),
                        f.len()
                    )));
                }
                let id = f[0];
                if id.is_empty() || !id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-') {
                    return Err(err(format!("id {id:?} must be kebab-case: lowercase ascii letters, digits and '-'")));
                }
                let kind = EntityType::parse(f[1]).ok_or_else(|| {
                    let names: Vec<&str> = EntityType::ALL.iter().map(|t| t.as_str()).collect();
                    err(format!("unknown type {:?}; use one of {}", f[1], names.join(", ")))
                })?;
                if let Some(&other) = by_id.get(id) {
                    let _ = other;
                    return Err(err(format!(
                        "id {id:?} is already defined; ids must be unique across gazetteer files"
                    )));
                }
                let opt = |s: &str| (!s.is_empty()).then(|| s.to_string());
                let list = |s: &str| {
                    s.split('|').map(str::trim).filter(|x| !x.is_empty()).map(str::to_string).collect::<Vec<_>>()
                };
                let idx = entries.len();
                let label = if f[2].is_empty() { id.to_string() } else { f[2].to_string() };
                for a in list(f[5]).into_iter().chain(std::iter::once(label.clone())) {
                    surfaces.push((a, idx, SurfaceKind::Alias, file.clone(), line_no));
                }
                for d in list(f[6]) {
                    surfaces.push((d, idx, SurfaceKind::Demonym, file.clone(), line_no));
                }
                by_id.insert(id.to_string(), idx);
                entries.push(Entry {
                    id: id.to_string(),
                    kind,
                    label,
                    iso3: opt(f[3]),
                    wikidata: opt(f[4]),
                    parent: opt(f[7]),
                    stands_for: opt(f[8]),
                    classes: list(f[9]),
                });
            }
        }
        // References must resolve, so a typo is caught at load time, not as a silent miss.
        for e in &entries {
            for (what, r) in [("parent", &e.parent), ("stands_for", &e.stands_for)] {
                if let Some(r) = r {
                    if !by_id.contains_key(r) {
                        return Err(DataError {
                            file: files.display("gazetteer/"),
                            line: 0,
                            message: format!("{}: {what} {r:?} is not the id of any gazetteer entry", e.id),
                        });
                    }
                }
            }
        }
        // The same surface for two entries is ambiguous: the first file/line wins and the clash is an error.
        let mut seen: HashMap<String, (usize, SurfaceKind)> = HashMap::default();
        let mut patterns = Vec::new();
        let mut pattern_text = Vec::new();
        for (surface, idx, kind, file, line) in surfaces {
            if let Some(&(other, _)) = seen.get(&surface) {
                if other != idx {
                    return Err(DataError {
                        file,
                        line,
                        message: format!(
                            "{surface:?} already names {:?}; one surface form can name only one entry",
                            entries[other].id
                        ),
                    });
                }
                continue;
            }
            seen.insert(surface.clone(), (idx, kind));
            for variant in variants(&surface) {
                patterns.push((idx, kind));
                pattern_text.push(variant);
            }
        }
        let matcher = AhoCorasick::builder().match_kind(MatchKind::Standard).build(&pattern_text).map_err(|e| {
            DataError { file: files.display("gazetteer/"), line: 0, message: format!("cannot build the matcher: {e}") }
        })?;
        Ok(Gazetteer { entries, by_id, patterns, matcher, guards, given_names })
    }

    /// All entries, in file order.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// The entry with this id.
    pub fn get(&self, id: &str) -> Option<&Entry> {
        self.by_id.get(id).map(|&i| &self.entries[i])
    }

    /// Index of the entry with this id.
    pub fn index_of(&self, id: &str) -> Option<usize> {
        self.by_id.get(id).copied()
    }

    /// Guards declared for a surface form.
    pub fn guards(&self, surface: &str) -> &[Guard] {
        self.guards.get(surface).map_or(&[], Vec::as_slice)
    }

    /// Whether `word` can start a person's name (given names, East Asian family names).
    pub fn is_given_name(&self, word: &str) -> bool {
        self.given_names.contains(word)
    }

    /// Finds every gazetteer name in `text[range]`: at word boundaries, longest first,
    /// never overlapping. Linear in the text plus the number of candidate matches.
    pub fn find(&self, text: &str, range: std::ops::Range<usize>) -> Vec<Hit> {
        let hay = &text[range.clone()];
        let mut cands: Vec<Hit> = Vec::new();
        for m in self.matcher.find_overlapping_iter(hay) {
            let (s, e) = (m.start(), m.end());
            let before = hay[..s].chars().next_back();
            let after = hay[e..].chars().next();
            let word_char = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
            if word_char(before) || word_char(after) {
                continue;
            }
            // "U.S." must not leave a lone dot glued to a following letter ("U.S.-led" is fine).
            let (entry, kind) = self.patterns[m.pattern().as_usize()];
            cands.push(Hit { start: range.start + s, end: range.start + e, entry, kind });
        }
        crate::work::add(hay.len() + cands.len());
        cands.sort_by(|a, b| a.start.cmp(&b.start).then(b.end.cmp(&a.end)));
        let mut out: Vec<Hit> = Vec::with_capacity(cands.len());
        let mut reach = 0;
        for h in cands {
            if h.start >= reach {
                reach = h.end;
                out.push(h);
            }
        }
        out
    }
}

/// Spellings a surface form is matched under: as written; with the other apostrophe; and,
/// for forms written with a lowercase first letter (al-Qaeda), with it capitalised.
fn variants(surface: &str) -> Vec<String> {
    let mut out = vec![surface.to_string()];
    if surface.contains('\'') {
        out.push(surface.replace('\'', "’"));
    }
    if surface.contains('’') {
        out.push(surface.replace('’', "'"));
    }
    if surface.chars().next().is_some_and(char::is_lowercase) {
        let more: Vec<String> = out
            .iter()
            .map(|s| {
                let mut c = s.chars();
                let first = c.next().unwrap();
                first.to_uppercase().collect::<String>() + c.as_str()
            })
            .collect();
        out.extend(more);
    }
    out
}

fn load_guards(file: &str, text: &str, guards: &mut HashMap<String, Vec<Guard>>) -> Result<(), DataError> {
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let err = |message: String| DataError { file: file.to_string(), line: n + 1, message };
        let f: Vec<&str> = line.split('\t').map(str::trim).collect();
        if f.len() < 2 || f.len() > 3 {
            return Err(err("expected 'surface<TAB>rule<TAB>words' (words may be empty for the name rules)".into()));
        }
        let words = |lower: bool| -> Vec<String> {
            f.get(2)
                .map(|w| {
                    w.split('|')
                        .map(|x| if lower { x.trim().to_lowercase() } else { x.trim().to_string() })
                        .filter(|x| !x.is_empty())
                        .collect()
                })
                .unwrap_or_default()
        };
        let guard = match f[1] {
            "not-before-name" => Guard::NotBeforeName,
            "not-after-name" => Guard::NotAfterName,
            "not-with" => Guard::NotWith(words(false)),
            "not-before" => Guard::NotBefore(words(true)),
            other => {
                return Err(err(format!(
                    "unknown rule {other:?}; use not-before-name, not-after-name, not-with or not-before"
                )))
            }
        };
        guards.entry(f[0].to_string()).or_default().push(guard);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn tiny() -> Gazetteer {
        let tsv = "# test\n\
russia\tCountry\tRussia\tRUS\tQ159\tRussia|Russian Federation|Kremlin\tRussian|Russians\t\t\t\n\
india\tCountry\tIndia\tIND\tQ668\tIndia\tIndian\t\t\t\n\
indian-ocean\tRegion\tIndian Ocean\t\t\tIndian Ocean\t\t\t\t\n\
al-qaeda\tArmedGroup\tal-Qaeda\t\t\tal-Qaeda\t\t\t\t\n\
china\tCountry\tChina\tCHN\tQ148\tChina\tChinese\t\t\t\n\
united-states\tCountry\tUnited States\tUSA\tQ30\tUnited States|US|U.S.\tAmerican\t\t\t\n\
moscow\tCity\tMoscow\t\t\tMoscow\t\trussia\trussia\t\n";
        let files = DataFiles::from_entries(vec![("gazetteer/a.tsv".into(), tsv.into())]);
        Gazetteer::load(&files).unwrap()
    }

    fn ids(g: &Gazetteer, text: &str) -> Vec<String> {
        g.find(text, 0..text.len()).iter().map(|h| g.entries()[h.entry].id.clone()).collect()
    }

    #[test]
    fn longest_match_and_word_boundaries() {
        let g = tiny();
        assert_eq!(ids(&g, "The Indian Ocean and India; Indiana is not."), ["indian-ocean", "india"]);
        assert_eq!(ids(&g, "the Russian Federation's envoy"), ["russia"]);
    }

    #[test]
    fn case_matters_where_it_should() {
        let g = tiny();
        assert_eq!(ids(&g, "fine china and us"), Vec::<String>::new());
        assert_eq!(ids(&g, "China and the US"), ["china", "united-states"]);
        assert_eq!(ids(&g, "Al-Qaeda and al-Qaeda"), ["al-qaeda", "al-qaeda"]);
    }

    #[test]
    fn dotted_acronym_and_possessive() {
        let g = tiny();
        assert_eq!(ids(&g, "the U.S. said Moscow's aims"), ["united-states", "moscow"]);
    }

    #[test]
    fn errors_name_file_and_line() {
        let files = DataFiles::from_entries(vec![("gazetteer/a.tsv".into(), "x\tCountry\n".into())]);
        let e = Gazetteer::load(&files).unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.to_string().starts_with("test/gazetteer/a.tsv:1: expected 10"), "{e}");
        let files = DataFiles::from_entries(vec![("gazetteer/a.tsv".into(), "x\tNation\tX\t\t\t\t\t\t\t\n".into())]);
        assert!(Gazetteer::load(&files).unwrap_err().message.contains("unknown type \"Nation\""));
        let clash = "a\tCountry\tA\t\t\tZed\t\t\t\t\nb\tCountry\tB\t\t\tZed\t\t\t\t\n";
        let files = DataFiles::from_entries(vec![("gazetteer/a.tsv".into(), clash.into())]);
        let e = Gazetteer::load(&files).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e.message.contains("already names"));
        let dangling = "a\tCity\tA\t\t\t\t\tnowhere\t\t\n";
        let files = DataFiles::from_entries(vec![("gazetteer/a.tsv".into(), dangling.into())]);
        assert!(Gazetteer::load(&files).unwrap_err().message.contains("\"nowhere\" is not the id"));
    }

    #[test]
    fn shipped_gazetteer_loads_and_covers_the_world() {
        let g = Gazetteer::load(&DataFiles::embedded()).unwrap();
        let countries = g.entries().iter().filter(|e| e.kind == EntityType::Country).count();
        assert!(countries >= 197, "only {countries} countries");
        for id in ["russia", "taliban", "afghanistan", "western-nations", "central-asia", "european-union", "nato"] {
            assert!(g.get(id).is_some(), "{id} missing");
        }
    }
}

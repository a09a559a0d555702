//! A deterministic generator of articles of the genre, built from the gazetteer and the
//! lexicon, so throughput can be measured and reproduced without downloading a corpus.
//!
//! Articles have the sample's layout (title, date line, keywords, paragraphs under
//! headings) and the genre's sentence shapes: plain and perfect-tense relations, denials,
//! suppositions, noun phrases ("Russia's recognition of"), capitals standing for their
//! states, officials quoted with their country, reported speech, trade figures and
//! background sentences that state nothing. Every choice comes from one seeded generator,
//! so a seed names a corpus; articles are produced one at a time, so a corpus of any size
//! needs no more memory than one article.

use crate::gazetteer::Gazetteer;
use crate::lexicon::{inflect, Form, Lexicon, TriggerKind};
use crate::model::EntityType;

/// A small, fast, deterministic pseudo-random generator (xorshift64*).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// Seeds the generator (a zero seed is replaced by a fixed constant).
    pub fn new(seed: u64) -> Rng {
        Rng(if seed == 0 { 0x9E37_79B9_7F4A_7C15 } else { seed })
    }

    /// Next value.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A value below `n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability 1/n.
    fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// One generated article: a stable id and its text in the sample's layout.
#[derive(Clone, Debug)]
pub struct GeneratedArticle {
    /// `gen-<seed>-<index>`: names the article across runs.
    pub id: String,
    pub text: String,
}

/// A verb trigger usable in generated sentences, with the word before its object.
#[derive(Clone, Debug)]
struct Verb {
    base: String,
    third: String,
    past: String,
    /// True when the past form is also the participle (regular verbs).
    regular: bool,
    prep: String,
}

/// A noun trigger and the preposition before its object.
#[derive(Clone, Debug)]
struct Noun {
    noun: String,
    prep: String,
}

/// An official and the actor they speak for.
#[derive(Clone, Debug)]
struct Official {
    name: String,
    actor: String,
}

const WEEKDAYS: &[&str] = &["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const MONTHS: &[&str] = &[
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const SOURCES: &[&str] = &[
    "officials said",
    "according to a government statement",
    "state media reported",
    "a spokesman confirmed",
    "diplomats familiar with the matter said",
    "the foreign ministry said in a statement",
];
const HEADINGS: &[&str] = &[
    "Regional Reactions",
    "A Long Road to This Point",
    "What Comes Next",
    "Economic Stakes",
    "Security Concerns",
    "The View From the Capitals",
    "Background",
    "Reactions Abroad",
];
const OBSERVERS: &[&str] = &[
    "Analysts",
    "Diplomats",
    "Officials",
    "Observers",
    "Several former ambassadors",
    "Independent experts",
    "Economists",
    "Opposition lawmakers",
];
const OBSERVATIONS: &[&str] = &[
    "gave no timetable for the next steps",
    "described the atmosphere of the talks as tense but constructive",
    "said the decision reflected a broader shift in the region",
    "cautioned that much of the detail remained to be negotiated",
    "expected the talks to resume after the holiday",
    "warned that the agreement could unravel under domestic pressure",
    "noted that previous rounds had ended without a joint statement",
    "said the move had been weeks in the making",
    "pointed to rising energy prices as a factor",
    "questioned whether the pledges would be funded",
];
const WHEN: &[&str] = &[
    "on Tuesday",
    "last week",
    "this month",
    "in recent days",
    "earlier this year",
    "after the summit",
    "late on Friday",
    "over the weekend",
];
const QUOTES: &[&str] = &[
    "This is a turning point for the whole region",
    "We will not accept decisions taken behind closed doors",
    "Our position has not changed",
    "Dialogue remains the only way forward",
    "We are ready to work with all partners in good faith",
    "The door to negotiations is still open",
    "Nobody should doubt our resolve",
];
const REACTIONS: &[&str] = &[
    "drew wide attention",
    "surprised many observers",
    "was long expected",
    "marked a sharp change of course",
    "caused concern among neighbouring states",
    "was debated at length in parliament",
];
const BACKGROUND: &[&str] = &[
    "has faced mounting economic pressure",
    "holds elections next year",
    "has long sought a larger role in regional affairs",
    "depends heavily on energy imports",
    "has hosted several rounds of talks",
    "emerged from a decade of conflict",
];
const TOPICS: &[&str] =
    &["diplomacy", "security", "trade", "energy", "sanctions", "geopolitics", "defence", "migration", "elections"];
const BULLETS: &[(&str, &str)] = &[
    ("Trade", "a target of {n} billion dollars a year by {year}"),
    ("Security", "a joint working group on border control"),
    ("Energy", "long-term supply contracts for gas and oil"),
    ("Finance", "{n} billion dollars in new credit lines"),
    ("Transport", "a new rail link and two port terminals"),
];

/// Words that make a name take "the" in running text ("the European Union").
const TAKES_THE: &[&str] = &[
    "Union",
    "States",
    "Nations",
    "Council",
    "Court",
    "Organization",
    "Organisation",
    "Alliance",
    "Community",
    "Group",
    "Forces",
    "Army",
    "Front",
    "Kingdom",
    "Emirates",
    "Netherlands",
    "Philippines",
    "Bahamas",
    "Gambia",
    "Coalition",
    "Movement",
    "Bank",
    "Fund",
    "Agency",
    "Party",
    "Brigades",
    "Units",
    "Committee",
    "Authority",
    "Islands",
    "Republic",
    "Commonwealth",
    "Commission",
    "Taliban",
    "Houthis",
    "Sea",
    "Ocean",
    "Gulf",
    "Strait",
    "Peninsula",
    "Caucasus",
    "Balkans",
    "Sahel",
];

/// A name as running text writes it: "the European Union", "the international
/// community", but "Russia" and "Hamas".
fn noun_phrase(label: &str) -> String {
    // "international community", "Baltic states": a common noun in the name.
    let lowercase = label.split(' ').any(|w| {
        w.chars().next().is_some_and(char::is_lowercase)
            && !matches!(w, "of" | "and" | "for" | "the" | "de")
            && !w.contains('-')
    });
    let head = label.split(" of ").next().unwrap_or(label);
    if lowercase || head.split(' ').any(|w| TAKES_THE.contains(&w)) {
        format!("the {label}")
    } else {
        label.to_string()
    }
}

/// The possessive of a noun phrase ("Russia's", "Western nations'").
fn possessive(np: &str) -> String {
    if np.ends_with('s') && !np.ends_with("ss") {
        format!("{np}'")
    } else {
        format!("{np}'s")
    }
}

/// Upper-cases the first letter, for verbs and prepositions in headlines.
fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// Streams generated articles; see the module documentation.
#[derive(Clone, Debug)]
pub struct Generator {
    rng: Rng,
    seed: u64,
    next: usize,
    actors: Vec<String>,
    capitals: Vec<(String, String)>,
    regions: Vec<String>,
    officials: Vec<Official>,
    verbs: Vec<Verb>,
    nouns: Vec<Noun>,
}

impl Generator {
    /// A generator drawing actors from `gazetteer` and triggers from `lexicon`, fixed by
    /// `seed`: the same inputs give the same articles, in the same order.
    pub fn new(gazetteer: &Gazetteer, lexicon: &Lexicon, seed: u64) -> Generator {
        let entries = gazetteer.entries();
        let actors: Vec<String> = entries
            .iter()
            .filter(|e| {
                matches!(
                    e.kind,
                    EntityType::Country
                        | EntityType::InternationalOrganization
                        | EntityType::ArmedGroup
                        | EntityType::Bloc
                )
            })
            .map(|e| noun_phrase(&e.label))
            .collect();
        let label_of = |id: &str| gazetteer.get(id).map(|e| e.label.clone());
        let capitals = entries
            .iter()
            .filter(|e| e.kind == EntityType::City)
            .filter_map(|e| Some((e.label.clone(), noun_phrase(&label_of(e.stands_for.as_deref()?)?))))
            .collect();
        let regions = entries.iter().filter(|e| e.kind == EntityType::Region).map(|e| noun_phrase(&e.label)).collect();
        let officials = entries
            .iter()
            .filter(|e| e.kind == EntityType::Person)
            .filter_map(|e| {
                Some(Official { name: e.label.clone(), actor: noun_phrase(&label_of(e.parent.as_deref()?)?) })
            })
            .collect();
        let verbs = lexicon
            .triggers
            .iter()
            .filter(|t| {
                t.kind == TriggerKind::Verb && t.particle.is_empty() && t.requires.is_empty() && t.context.is_empty()
            })
            .flat_map(|t| {
                // A direct object when the trigger takes one, else its first preposition.
                let prep = if t.objects.is_empty() || t.objects.iter().any(String::is_empty) {
                    String::new()
                } else {
                    t.objects[0].clone()
                };
                // Irregular pasts are listed with the trigger, for every lemma: use them
                // only for a trigger with one lemma, where they are unambiguous.
                let irregular = (t.forms.len() == 1).then(|| t.past.first().cloned()).flatten();
                let has_irregular = !t.past.is_empty();
                t.forms.iter().filter_map(move |lemma| {
                    let forms = inflect(lemma);
                    let get = |f: Form| forms.iter().find(|(_, g)| *g == f).map(|(w, _)| w.clone());
                    let past = match (&irregular, has_irregular) {
                        (Some(p), _) => p.clone(),
                        (None, true) => return None,
                        (None, false) => get(Form::Past)?,
                    };
                    Some(Verb {
                        base: get(Form::Base).unwrap_or_else(|| lemma.to_lowercase()),
                        third: get(Form::Third)?,
                        regular: !has_irregular && past.ends_with("ed"),
                        past,
                        prep: prep.clone(),
                    })
                })
            })
            .collect();
        let nouns = lexicon
            .triggers
            .iter()
            .filter(|t| t.kind == TriggerKind::Noun && !t.objects.is_empty() && t.requires.is_empty())
            .flat_map(|t| t.forms.iter().map(move |f| Noun { noun: f.clone(), prep: t.objects[0].clone() }))
            .collect();
        Generator { rng: Rng::new(seed), seed, next: 0, actors, capitals, regions, officials, verbs, nouns }
    }

    /// The next article.
    pub fn article(&mut self) -> GeneratedArticle {
        let i = self.next;
        self.next += 1;
        let a = self.actor();
        let b = loop {
            let b = self.actor();
            if b != a || self.actors.len() < 2 {
                break b;
            }
        };
        let year = 2015 + self.rng.below(12);
        let month = *self.rng.pick(MONTHS);
        let day = 1 + self.rng.below(28);
        let title = self.title(&a, &b);
        let mut keywords = vec![a.clone(), b.clone()];
        let mut body = String::new();
        let paragraphs = 4 + self.rng.below(5);
        for p in 0..paragraphs {
            if p > 0 && self.rng.one_in(3) {
                let heading = *self.rng.pick::<&str>(HEADINGS);
                body.push_str(heading);
                body.push_str("\n\n");
            }
            let sentences = 2 + self.rng.below(4);
            for s in 0..sentences {
                if s > 0 {
                    body.push(' ');
                }
                let sentence = self.sentence(&a, &b, year, &mut keywords);
                body.push_str(&capitalise(&sentence));
            }
            body.push_str("\n\n");
            if self.rng.one_in(6) {
                for _ in 0..2 + self.rng.below(2) {
                    let (head, text) = *self.rng.pick(BULLETS);
                    let text = self.fill_numbers(text, year);
                    body.push_str(&format!("  • {head}: {text}.\n"));
                }
                body.push('\n');
            }
        }
        keywords.push(self.rng.pick(TOPICS).to_string());
        let mut keywords: Vec<&str> = keywords.iter().map(|k| k.strip_prefix("the ").unwrap_or(k)).collect();
        keywords.dedup();
        GeneratedArticle {
            id: format!("gen-{}-{i}", self.seed),
            text: format!(
                "{title}\n\nPublished on {month} {day}, {year}\n{title},{}\n\n{}",
                keywords.join(", "),
                body.trim_end()
            ),
        }
    }

    fn actor(&mut self) -> String {
        self.rng.pick(&self.actors).clone()
    }

    fn title(&mut self, a: &str, b: &str) -> String {
        let (a, b) = (&capitalise(a), &capitalise(b));
        match self.rng.below(4) {
            0 if !self.verbs.is_empty() => {
                let v = self.rng.pick(&self.verbs).clone();
                let prep = if v.prep.is_empty() { String::new() } else { format!("{} ", capitalise(&v.prep)) };
                format!("{a} {} {prep}{b}", capitalise(&v.third))
            }
            1 => format!("{a} and {b} Hold Talks as Tensions Rise"),
            2 => format!("What {} Move Means for {b}", possessive(a)),
            _ => format!("{a} and {b}: A Relationship Under Strain"),
        }
    }

    /// Replaces `{n}` and `{year}` in a template.
    fn fill_numbers(&mut self, template: &str, year: usize) -> String {
        let n = format!("{}.{}", 1 + self.rng.below(40), self.rng.below(10));
        template.replace("{n}", &n).replace("{year}", &(year + 1 + self.rng.below(5)).to_string())
    }

    /// One sentence about the article's main actors `a` and `b`, or others.
    fn sentence(&mut self, a: &str, b: &str, year: usize, keywords: &mut Vec<String>) -> String {
        let x = if self.rng.one_in(2) { a.to_string() } else { self.actor() };
        let y = if self.rng.one_in(2) { b.to_string() } else { self.actor() };
        let day = *self.rng.pick(WEEKDAYS);
        let source = *self.rng.pick(SOURCES);
        let verb = (!self.verbs.is_empty()).then(|| self.rng.pick(&self.verbs).clone());
        let with_prep = |v: &Verb, form: &str, y: &str| {
            if v.prep.is_empty() {
                format!("{form} {y}")
            } else {
                format!("{form} {} {y}", v.prep)
            }
        };
        match (self.rng.below(14), verb) {
            (0 | 1, Some(v)) => format!("{x} {} on {day}, {source}.", with_prep(&v, &v.past, &y)),
            (2, Some(v)) if v.regular => format!("{x} has {} since {}.", with_prep(&v, &v.past, &y), year - 3),
            (3, Some(v)) => {
                let neg = if v.regular { format!("has not {}", v.past) } else { format!("did not {}", v.base) };
                format!("{x} {}, {source}.", with_prep(&v, &neg, &y))
            }
            (4, Some(v)) => {
                let who = self.official_or(&x);
                format!("{x} could {} if the talks fail, {who} warned.", with_prep(&v, &v.base, &y))
            }
            (5, _) if !self.nouns.is_empty() => {
                let n = self.rng.pick(&self.nouns).clone();
                format!("{} {} {} {y} {}.", possessive(&x), n.noun, n.prep, self.rng.pick(REACTIONS))
            }
            (6, _) if !self.nouns.is_empty() => {
                let n = self.rng.pick(&self.nouns).clone();
                let region = if self.regions.is_empty() {
                    "the region".to_string()
                } else {
                    self.rng.pick(&self.regions).clone()
                };
                keywords.push(region.clone());
                format!("In a statement, {x} and {y} discussed the {} {} {region}.", n.noun, n.prep)
            }
            (7, Some(v)) if !self.capitals.is_empty() => {
                let (city, _) = self.rng.pick(&self.capitals).clone();
                format!("{city} {} {}.", with_prep(&v, &v.past, &y), self.rng.pick(WHEN))
            }
            (8, _) if !self.officials.is_empty() => {
                let o = self.rng.pick(&self.officials).clone();
                let (city, _) = if self.capitals.is_empty() {
                    ("the capital".to_string(), String::new())
                } else {
                    self.rng.pick(&self.capitals).clone()
                };
                format!(
                    "\"{},\" {}, who speaks for {}, told reporters in {city}.",
                    self.rng.pick(QUOTES),
                    o.name,
                    o.actor
                )
            }
            (9, Some(v)) if !self.officials.is_empty() => {
                let o = self.rng.pick(&self.officials).clone();
                format!("{} said on {day} that {} had {}.", o.name, o.actor, with_prep(&v, &v.past, &y))
            }
            (10, _) => {
                let n = format!("{}.{}", 1 + self.rng.below(90), self.rng.below(10));
                format!("Trade between {x} and {y} reached {n} billion dollars in {}, {source}.", year - 1)
            }
            (11, _) => format!("{x}, which {}, did not comment {}.", self.rng.pick(BACKGROUND), self.rng.pick(WHEN)),
            _ => format!(
                "{} in {} {} {}.",
                self.rng.pick(OBSERVERS),
                if self.capitals.is_empty() {
                    "the capital".to_string()
                } else {
                    self.rng.pick(&self.capitals).0.clone()
                },
                self.rng.pick(OBSERVATIONS),
                self.rng.pick(WHEN)
            ),
        }
    }

    /// An official who speaks for `actor` when there is one, else a generic speaker.
    fn official_or(&mut self, actor: &str) -> String {
        let own: Vec<&Official> = self.officials.iter().filter(|o| o.actor == actor).collect();
        if own.is_empty() {
            format!("a senior official in {actor}")
        } else {
            own[self.rng.below(own.len())].name.clone()
        }
    }
}

impl Iterator for Generator {
    type Item = GeneratedArticle;

    /// Never ends: take as many as needed.
    fn next(&mut self) -> Option<GeneratedArticle> {
        Some(self.article())
    }
}

/// Generates `n` articles' texts at once (for benchmarks that hold a corpus in memory).
pub fn articles(gazetteer: &Gazetteer, lexicon: &Lexicon, n: usize, seed: u64) -> Vec<String> {
    Generator::new(gazetteer, lexicon, seed).take(n).map(|a| a.text).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Extractor;

    #[test]
    fn same_seed_same_articles_different_seed_different_articles() {
        let ex = Extractor::embedded().unwrap();
        let a = articles(ex.gazetteer(), ex.lexicon(), 20, 7);
        let b = articles(ex.gazetteer(), ex.lexicon(), 20, 7);
        let c = articles(ex.gazetteer(), ex.lexicon(), 20, 8);
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn articles_are_varied_and_of_news_length() {
        let ex = Extractor::embedded().unwrap();
        let texts = articles(ex.gazetteer(), ex.lexicon(), 200, 1);
        let distinct: std::collections::HashSet<&String> = texts.iter().collect();
        assert_eq!(distinct.len(), texts.len());
        let sentences: std::collections::HashSet<&str> = texts.iter().flat_map(|t| t.split(". ")).collect();
        assert!(sentences.len() > 2000, "only {} distinct sentences", sentences.len());
        let mean = texts.iter().map(String::len).sum::<usize>() / texts.len();
        assert!((1000..6000).contains(&mean), "mean length {mean}");
    }

    #[test]
    fn generated_articles_yield_relations() {
        let ex = Extractor::embedded().unwrap();
        let mut total = 0;
        for t in articles(ex.gazetteer(), ex.lexicon(), 50, 3) {
            let (a, _) = crate::article::parse(t, "gen", crate::article::Format::Auto, &Default::default());
            total += ex.extract(&a).relations.len();
        }
        assert!(total >= 200, "only {total} relations in 50 articles");
    }
}

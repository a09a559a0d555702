//! The relation lexicon and the grammar words the extractor relies on, loaded from
//! `data/lexicon/`: predicates (`predicates.toml`), their triggers (`triggers.toml`) and
//! the closed-class vocabulary of clauses, negation, modality, coreference and titles
//! (`grammar.toml`). Adding a trigger or a predicate is a data change, never a Rust one.

// Keys are words and ids of our own data, not attacker-chosen: the fast hasher is safe.
use rustc_hash::{FxHashMap as HashMap, FxHashSet as HashSet};

use serde::Deserialize;
use toml::Spanned;

use crate::data::{DataError, DataFiles};
use crate::model::{EntityType, Modality};

/// A predicate of the vocabulary.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Predicate {
    pub name: String,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub comment: String,
    #[serde(default)]
    pub symmetric: bool,
    #[serde(default)]
    pub cameo: Option<String>,
    /// CAMEO QuadClass: `verbal-cooperation`, `material-cooperation`, `verbal-conflict`, `material-conflict`.
    #[serde(default)]
    pub quad_class: Option<String>,
    #[serde(default)]
    pub goldstein: Option<f32>,
    /// Types the subject may have (empty: any).
    #[serde(default)]
    pub subject_types: Vec<Spanned<String>>,
    /// Types the object may have (empty: any).
    #[serde(default)]
    pub object_types: Vec<Spanned<String>>,
    /// Predicates this one makes redundant for the same pair in the same sentence.
    #[serde(default)]
    pub subsumes: Vec<Spanned<String>>,
    /// Heads of an argument ("Ukraine's team", "the Russian side") that make the relation
    /// hold with a part of the actor, turning it into `unit_predicate`.
    #[serde(default)]
    pub unit_nouns: Vec<String>,
    #[serde(default)]
    pub unit_predicate: Option<Spanned<String>>,
}

/// The grammatical kind of a trigger.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TriggerKind {
    Verb,
    Noun,
    Adjective,
}

/// A trigger: words that state a predicate, and how to find its arguments.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trigger {
    #[serde(default)]
    pub id: String,
    pub predicate: Spanned<String>,
    pub kind: TriggerKind,
    /// Verbs: lemmas, inflected by rule. Nouns and adjectives: every form, as written.
    pub forms: Vec<String>,
    /// Irregular past tenses and participles of the verbs (`led`, `fought`).
    #[serde(default)]
    pub past: Vec<String>,
    /// Words that introduce the object: `""` for a direct object, else prepositions.
    #[serde(default)]
    pub objects: Vec<String>,
    /// Particles that must follow the trigger (`call on`, `cut off`).
    #[serde(default)]
    pub particle: Vec<String>,
    /// One of these words must occur within `window` tokens of the trigger, before or after.
    #[serde(default)]
    pub requires: Vec<String>,
    #[serde(default = "default_window")]
    pub window: usize,
    /// The trigger applies only when one of these words occurs in its paragraph.
    #[serde(default)]
    pub context: Vec<String>,
    /// The trigger does not apply when one of these words occurs in its paragraph.
    #[serde(default)]
    pub unless_context: Vec<String>,
    /// Subject and object are swapped (`receive arms from`).
    #[serde(default)]
    pub reverse: bool,
    /// The object may follow a complementizer (`demanded that the junta release`).
    #[serde(default)]
    pub through_that: bool,
    #[serde(default = "default_confidence")]
    pub confidence: f32,
    /// Generated verb forms to leave out (`back`, an adverb far more often than a verb).
    #[serde(default)]
    pub exclude: Vec<String>,
}

fn default_window() -> usize {
    4
}

fn default_confidence() -> f32 {
    0.8
}

/// A description phrase class (`the bloc` → entities of class `bloc`).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Description {
    pub class: String,
    pub phrases: Vec<String>,
    /// `recent`: the most recent compatible actor; `article`: any in the article.
    #[serde(default = "default_scope")]
    pub scope: String,
    /// When no entity of the class is in the article: make one (`{country}-junta`).
    #[serde(default)]
    pub fallback_id: Option<String>,
    #[serde(default)]
    pub fallback_label: Option<String>,
    #[serde(default)]
    pub fallback_type: Option<Spanned<String>>,
}

fn default_scope() -> String {
    "recent".into()
}

/// Titles that introduce people and the relation they state (`Foreign Minister` → leaderOf).
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Role {
    pub predicate: Spanned<String>,
    pub titles: Vec<String>,
    /// A national office: without a named state, the person serves the current country.
    #[serde(default)]
    pub national: bool,
}

/// Closed-class vocabulary.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Grammar {
    pub negation: Vec<String>,
    pub hypothetical: Vec<String>,
    pub conditional: Vec<String>,
    pub future: Vec<String>,
    pub prepositions: Vec<String>,
    pub determiners: Vec<String>,
    pub locatives: Vec<String>,
    pub relative_pronouns: Vec<String>,
    pub complementizers: Vec<String>,
    pub reporting_verbs: Vec<String>,
    pub subordinators: Vec<String>,
    pub temporal_conjunctions: Vec<String>,
    pub coordinators: Vec<String>,
    pub be_forms: Vec<String>,
    pub parentheticals: Vec<String>,
    pub event_nouns: Vec<String>,
    pub adjunct_prepositions: Vec<String>,
    pub catenatives: Vec<String>,
    pub auxiliaries: Vec<String>,
    pub noun_markers: Vec<String>,
    pub pronouns_thing: Vec<String>,
    pub pronouns_plural: Vec<String>,
    pub pronouns_person: Vec<String>,
    pub person_country: Vec<String>,
    pub honorifics: Vec<String>,
    pub name_particles: Vec<String>,
    pub name_stopwords: Vec<String>,
    pub location_nouns: Vec<String>,
    pub membership_nouns: Vec<String>,
    pub type_classes: HashMap<String, Vec<String>>,
    pub description: Vec<Description>,
    pub role: Vec<Role>,
}

/// The grammatical form a trigger word was matched in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    Base,
    Third,
    Past,
    Ing,
    Noun,
    Adjective,
}

/// A trigger entry point: a first word, the rest of a multi-word form, and the form.
#[derive(Clone, Debug)]
pub struct TriggerForm {
    pub trigger: usize,
    pub rest: Vec<String>,
    pub form: Form,
}

/// A grammar phrase as tokens: each token's lowercase form and whether it is written
/// with a capital (which a match must then respect).
pub type PhraseTokens = Vec<(String, bool)>;

/// Grammar phrases tokenized once at load, indexed by their first word, longest first.
#[derive(Debug, Default)]
pub struct Phrases {
    /// Titles of the roles, with the index of their role.
    pub titles: Vec<(PhraseTokens, usize)>,
    /// Description phrases with their class, and "his country" phrases (no class).
    pub references: Vec<(PhraseTokens, Option<String>)>,
    title_index: HashMap<String, Vec<usize>>,
    reference_index: HashMap<String, Vec<usize>>,
}

impl Phrases {
    fn build(g: &Grammar) -> Phrases {
        let tokens = |p: &str| -> PhraseTokens {
            let a = crate::text::analyse(p, 0..p.len());
            a.tokens.iter().map(|t| (t.lower.clone(), t.cap)).collect()
        };
        let mut titles: Vec<(PhraseTokens, usize)> = g
            .role
            .iter()
            .enumerate()
            .flat_map(|(ri, r)| r.titles.iter().map(move |t| (t, ri)))
            .map(|(t, ri)| (tokens(t), ri))
            .collect();
        titles.sort_by_key(|t| std::cmp::Reverse(t.0.len()));
        let mut references: Vec<(PhraseTokens, Option<String>)> = g
            .description
            .iter()
            .flat_map(|d| d.phrases.iter().map(move |p| (p, Some(d.class.clone()))))
            .chain(g.person_country.iter().map(|p| (p, None)))
            .map(|(p, c)| (tokens(p), c))
            .collect();
        references.sort_by_key(|r| std::cmp::Reverse(r.0.len()));
        let index = |first: Vec<Option<&String>>| {
            let mut m: HashMap<String, Vec<usize>> = HashMap::default();
            for (i, f) in first.into_iter().enumerate() {
                if let Some(f) = f {
                    m.entry(f.clone()).or_default().push(i);
                }
            }
            m
        };
        let title_index = index(titles.iter().map(|t| t.0.first().map(|x| &x.0)).collect());
        let reference_index = index(references.iter().map(|t| t.0.first().map(|x| &x.0)).collect());
        Phrases { titles, references, title_index, reference_index }
    }

    /// Titles starting with `word`, longest first.
    pub fn titles_at(&self, word: &str) -> impl Iterator<Item = &(PhraseTokens, usize)> {
        self.title_index.get(word).into_iter().flatten().map(|&i| &self.titles[i])
    }

    /// Reference phrases starting with `word`, longest first.
    pub fn references_at(&self, word: &str) -> impl Iterator<Item = &(PhraseTokens, Option<String>)> {
        self.reference_index.get(word).into_iter().flatten().map(|&i| &self.references[i])
    }
}

/// The loaded lexicon.
#[derive(Debug)]
pub struct Lexicon {
    pub predicates: Vec<Predicate>,
    pub triggers: Vec<Trigger>,
    pub grammar: Grammar,
    pub phrases: Phrases,
    cues: Cues,
    by_name: HashMap<String, usize>,
    forms: HashMap<String, Vec<TriggerForm>>,
    sets: Sets,
}

/// Word sets derived from the grammar for quick membership tests.
#[derive(Debug, Default)]
pub struct Sets {
    pub prepositions: HashSet<String>,
    pub determiners: HashSet<String>,
    pub locatives: HashSet<String>,
    pub be_forms: HashSet<String>,
    pub event_nouns: HashSet<String>,
    pub honorifics: HashSet<String>,
    pub name_particles: HashSet<String>,
    pub name_stopwords: HashSet<String>,
    pub auxiliaries: HashSet<String>,
    pub noun_markers: HashSet<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PredicatesFile {
    predicate: Vec<Predicate>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TriggersFile {
    trigger: Vec<Trigger>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

fn toml_error(file: &str, text: &str, e: toml::de::Error) -> DataError {
    let line = e.span().map_or(0, |s| line_of(text, s.start));
    DataError { file: file.to_string(), line, message: e.message().to_string() }
}

impl Lexicon {
    /// Loads `lexicon/predicates.toml`, every other `lexicon/*.toml` with `[[trigger]]`
    /// tables, and `lexicon/grammar.toml`, and checks that every name they use is declared.
    pub fn load(files: &DataFiles) -> Result<Lexicon, DataError> {
        let need = |p: &str| {
            files.get(p).ok_or_else(|| DataError { file: files.display(p), line: 0, message: "file is missing".into() })
        };
        let pred_path = "lexicon/predicates.toml";
        let pred_text = need(pred_path)?;
        let pred_file = files.display(pred_path);
        let predicates: PredicatesFile = toml::from_str(pred_text).map_err(|e| toml_error(&pred_file, pred_text, e))?;
        let predicates = predicates.predicate;
        let gram_path = "lexicon/grammar.toml";
        let gram_text = need(gram_path)?;
        let gram_file = files.display(gram_path);
        let grammar: Grammar = toml::from_str(gram_text).map_err(|e| toml_error(&gram_file, gram_text, e))?;

        let mut by_name = HashMap::default();
        for (i, p) in predicates.iter().enumerate() {
            if by_name.insert(p.name.clone(), i).is_some() {
                return Err(DataError {
                    file: pred_file.clone(),
                    line: 0,
                    message: format!("predicate {:?} is declared twice", p.name),
                });
            }
        }
        // A name the file uses must be declared; the error points at its line.
        let declared = |file: &str, text: &str, name: &Spanned<String>, ok: bool, kind: &str, problem: &str| {
            if ok {
                return Ok(());
            }
            Err(DataError {
                file: file.to_string(),
                line: line_of(text, name.span().start),
                message: format!("{kind} {:?} {problem}", name.get_ref()),
            })
        };
        let pred_problem = format!("is not declared in {pred_path}");
        let check_pred = |file: &str, text: &str, name: &Spanned<String>| {
            declared(file, text, name, by_name.contains_key(name.get_ref()), "predicate", &pred_problem)
        };
        let check_type = |file: &str, text: &str, name: &Spanned<String>| {
            declared(file, text, name, EntityType::parse(name.get_ref()).is_some(), "type", "is not an entity type")
        };
        for p in &predicates {
            for t in p.subject_types.iter().chain(&p.object_types) {
                check_type(&pred_file, pred_text, t)?;
            }
            for s in p.subsumes.iter().chain(&p.unit_predicate) {
                check_pred(&pred_file, pred_text, s)?;
            }
        }
        for r in &grammar.role {
            check_pred(&gram_file, gram_text, &r.predicate)?;
        }
        for d in &grammar.description {
            if let Some(t) = &d.fallback_type {
                check_type(&gram_file, gram_text, t)?;
            }
            if d.scope != "recent" && d.scope != "article" {
                return Err(DataError {
                    file: gram_file.clone(),
                    line: 0,
                    message: format!("description class {:?}: scope must be \"recent\" or \"article\"", d.class),
                });
            }
        }

        let mut triggers = Vec::new();
        for (path, text) in files.under("lexicon/") {
            if path == pred_path || path == gram_path || !path.ends_with(".toml") {
                continue;
            }
            let file = files.display(path);
            let parsed: TriggersFile = toml::from_str(text).map_err(|e| toml_error(&file, text, e))?;
            for mut t in parsed.trigger {
                check_pred(&file, text, &t.predicate)?;
                if t.forms.is_empty() {
                    return Err(DataError {
                        file: file.clone(),
                        line: line_of(text, t.predicate.span().start),
                        message: "trigger has no forms".into(),
                    });
                }
                if t.id.is_empty() {
                    t.id = format!("{}/{}", t.predicate.get_ref(), t.forms[0].replace(' ', "-"));
                }
                if t.objects.is_empty() && t.kind == TriggerKind::Verb {
                    t.objects.push(String::new());
                }
                triggers.push(t);
            }
        }
        let mut forms: HashMap<String, Vec<TriggerForm>> = HashMap::default();
        for (i, t) in triggers.iter().enumerate() {
            let mut add = |phrase: &str, form: Form| {
                let words: Vec<String> = phrase.split_whitespace().map(|w| w.to_lowercase()).collect();
                if let Some((first, rest)) = words.split_first() {
                    forms.entry(first.clone()).or_default().push(TriggerForm { trigger: i, rest: rest.to_vec(), form });
                }
            };
            match t.kind {
                TriggerKind::Verb => {
                    for lemma in &t.forms {
                        for (w, f) in inflect(lemma) {
                            if !t.exclude.contains(&w) {
                                add(&w, f);
                            }
                        }
                    }
                    for p in &t.past {
                        add(p, Form::Past);
                    }
                }
                TriggerKind::Noun => t.forms.iter().for_each(|f| add(f, Form::Noun)),
                TriggerKind::Adjective => t.forms.iter().for_each(|f| add(f, Form::Adjective)),
            }
        }
        let set = |v: &[String]| v.iter().map(|s| s.to_lowercase()).collect::<HashSet<_>>();
        let sets = Sets {
            prepositions: set(&grammar.prepositions),
            determiners: set(&grammar.determiners),
            locatives: set(&grammar.locatives),
            be_forms: set(&grammar.be_forms),
            event_nouns: set(&grammar.event_nouns),
            honorifics: grammar.honorifics.iter().cloned().collect(),
            name_particles: grammar.name_particles.iter().cloned().collect(),
            name_stopwords: grammar.name_stopwords.iter().cloned().collect(),
            auxiliaries: set(&grammar.auxiliaries),
            noun_markers: set(&grammar.noun_markers),
        };
        let phrases = Phrases::build(&grammar);
        let cues = Cues::build(&grammar);
        Ok(Lexicon { predicates, triggers, grammar, phrases, cues, by_name, forms, sets })
    }

    /// The predicate with this name.
    pub fn predicate(&self, name: &str) -> Option<&Predicate> {
        self.by_name.get(name).map(|&i| &self.predicates[i])
    }

    /// Trigger forms whose first word is `word` (lowercase).
    pub fn forms_of(&self, word: &str) -> &[TriggerForm] {
        self.forms.get(word).map_or(&[], Vec::as_slice)
    }

    /// Word sets of the grammar.
    pub fn sets(&self) -> &Sets {
        &self.sets
    }

    /// Negation cues as words; `true` marks a cue that must stand right before the trigger.
    pub fn negation_cues(&self) -> &[(Vec<String>, bool)] {
        &self.cues.negation
    }

    /// Modality cues as words, with the modality each expresses.
    pub fn modality_cues(&self) -> &[(Vec<String>, Modality)] {
        &self.cues.modality
    }
}

/// Negation and modality cues split into words once, at load.
#[derive(Debug, Default)]
struct Cues {
    negation: Vec<(Vec<String>, bool)>,
    modality: Vec<(Vec<String>, Modality)>,
}

impl Cues {
    fn build(g: &Grammar) -> Cues {
        let words = |c: &str| c.trim_end_matches('_').split_whitespace().map(str::to_string).collect::<Vec<_>>();
        let negation = g.negation.iter().map(|c| (words(c), c.ends_with('_'))).collect();
        let modality = g
            .hypothetical
            .iter()
            .map(|c| (words(c), Modality::Hypothetical))
            .chain(g.conditional.iter().map(|c| (words(c), Modality::Conditional)))
            .chain(g.future.iter().map(|c| (words(c), Modality::Future)))
            .collect();
        Cues { negation, modality }
    }
}

/// Regular inflections of an English verb lemma: base, third person, past/participle, -ing.
pub fn inflect(lemma: &str) -> Vec<(String, Form)> {
    let l = lemma.to_lowercase();
    let mut parts = l.splitn(2, ' ');
    let verb = parts.next().unwrap_or_default().to_string();
    let tail = parts.next().map(|t| format!(" {t}")).unwrap_or_default();
    let vowel = |c: char| "aeiou".contains(c);
    let chars: Vec<char> = verb.chars().collect();
    let last = chars.last().copied().unwrap_or('x');
    let before_last = chars.len().checked_sub(2).map(|i| chars[i]).unwrap_or('x');
    let third = if verb.ends_with(['s', 'x', 'z']) || verb.ends_with("ch") || verb.ends_with("sh") {
        format!("{verb}es")
    } else if last == 'y' && !vowel(before_last) {
        format!("{}ies", &verb[..verb.len() - 1])
    } else {
        format!("{verb}s")
    };
    // Doubling: monosyllables ending consonant-vowel-consonant (ban → banned) and words
    // ending in a single vowel and l (control → controlled, as British spelling always does).
    let vowel_groups = {
        let mut n = 0;
        let mut prev_vowel = false;
        for &c in &chars {
            let v = vowel(c);
            if v && !prev_vowel {
                n += 1;
            }
            prev_vowel = v;
        }
        n
    };
    let cvc = chars.len() >= 3 && !vowel(chars[chars.len() - 3]) && vowel(before_last) && "bdgklmnprt".contains(last);
    let doubled = cvc && (vowel_groups == 1 || last == 'l');
    let stem = if doubled { format!("{verb}{last}") } else { verb.clone() };
    let past = if doubled {
        format!("{stem}ed")
    } else if last == 'e' {
        format!("{verb}d")
    } else if last == 'y' && !vowel(before_last) {
        format!("{}ied", &verb[..verb.len() - 1])
    } else {
        format!("{verb}ed")
    };
    let ing = if doubled {
        format!("{stem}ing")
    } else if verb.ends_with("ie") {
        format!("{}ying", &verb[..verb.len() - 2])
    } else if last == 'e' && !verb.ends_with("ee") && verb.len() > 2 {
        format!("{}ing", &verb[..verb.len() - 1])
    } else {
        format!("{verb}ing")
    };
    vec![
        (format!("{verb}{tail}"), Form::Base),
        (format!("{third}{tail}"), Form::Third),
        (format!("{past}{tail}"), Form::Past),
        (format!("{ing}{tail}"), Form::Ing),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inflections() {
        let words = |l: &str| inflect(l).into_iter().map(|(w, _)| w).collect::<Vec<_>>();
        assert_eq!(words("recognize"), ["recognize", "recognizes", "recognized", "recognizing"]);
        assert_eq!(words("deny"), ["deny", "denies", "denied", "denying"]);
        assert_eq!(words("criticise"), ["criticise", "criticises", "criticised", "criticising"]);
        assert_eq!(words("attack"), ["attack", "attacks", "attacked", "attacking"]);
        assert_eq!(words("impose"), ["impose", "imposes", "imposed", "imposing"]);
        assert_eq!(words("reach"), ["reach", "reaches", "reached", "reaching"]);
        assert_eq!(words("control"), ["control", "controls", "controlled", "controlling"]);
        assert_eq!(words("ban"), ["ban", "bans", "banned", "banning"]);
        assert_eq!(words("visit"), ["visit", "visits", "visited", "visiting"]);
        assert_eq!(words("meet"), ["meet", "meets", "meeted", "meeting"]);
    }

    #[test]
    fn shipped_lexicon_loads_and_covers_the_vocabulary() {
        let lex = Lexicon::load(&DataFiles::embedded()).unwrap();
        for p in &lex.predicates {
            if ["controls", "hasInterestIn", "counterbalances", "alliedWith", "memberOf", "leaderOf", "locatedIn"]
                .contains(&p.name.as_str())
            {
                continue;
            }
            assert!(lex.triggers.iter().any(|t| t.predicate.get_ref() == &p.name), "{} has no trigger", p.name);
        }
        assert_eq!(lex.predicates.len(), 24);
    }

    #[test]
    fn unknown_predicate_is_an_error_naming_the_line() {
        let mut files: Vec<(String, String)> =
            DataFiles::embedded().under("lexicon/").map(|(p, t)| (p.to_string(), t.to_string())).collect();
        files.push((
            "lexicon/extra.toml".into(),
            "\n[[trigger]]\npredicate = \"befriends\"\nkind = \"verb\"\nforms = [\"befriend\"]\n".into(),
        ));
        let e = Lexicon::load(&DataFiles::from_entries(files)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "test/lexicon/extra.toml:3: predicate \"befriends\" is not declared in lexicon/predicates.toml"
        );
    }
}

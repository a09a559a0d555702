//! The extraction's output types: what `newskg extract` prints and what later stages
//! (RDF, graph, exports) consume. They are plain data with serde derives so the JSON
//! shape is defined in one place.

use serde::{Deserialize, Serialize};

/// Where a message comes from and how bad it is. Extraction never fails on content: it
/// reports what it could not read or understand as diagnostics beside its results.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnostic {
    pub level: Level,
    pub message: String,
    /// Byte offset into the article's original text, when the message is about one place.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub offset: Option<usize>,
}

/// Severity of a [`Diagnostic`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    Warning,
    Error,
}

impl Diagnostic {
    /// A warning, optionally about one byte offset.
    pub fn warning(message: impl Into<String>, offset: Option<usize>) -> Diagnostic {
        Diagnostic { level: Level::Warning, message: message.into(), offset }
    }
}

/// The kinds of actor and thing the graph knows. The names are the ontology's class
/// names and the gold files' `type` values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum EntityType {
    Country,
    InternationalOrganization,
    ArmedGroup,
    PoliticalOrganization,
    Bloc,
    Region,
    City,
    Person,
    Resource,
    Topic,
}

impl EntityType {
    /// Every type, in declaration order.
    pub const ALL: [EntityType; 10] = [
        EntityType::Country,
        EntityType::InternationalOrganization,
        EntityType::ArmedGroup,
        EntityType::PoliticalOrganization,
        EntityType::Bloc,
        EntityType::Region,
        EntityType::City,
        EntityType::Person,
        EntityType::Resource,
        EntityType::Topic,
    ];

    /// The type's name as written in data files and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            EntityType::Country => "Country",
            EntityType::InternationalOrganization => "InternationalOrganization",
            EntityType::ArmedGroup => "ArmedGroup",
            EntityType::PoliticalOrganization => "PoliticalOrganization",
            EntityType::Bloc => "Bloc",
            EntityType::Region => "Region",
            EntityType::City => "City",
            EntityType::Person => "Person",
            EntityType::Resource => "Resource",
            EntityType::Topic => "Topic",
        }
    }

    /// Parses a type name; `None` when the name is not one of [`EntityType::ALL`].
    pub fn parse(name: &str) -> Option<EntityType> {
        EntityType::ALL.into_iter().find(|t| t.as_str() == name)
    }

    /// Whether entities of this type act (can be the subject of most relations), as
    /// opposed to places and things.
    pub fn is_actor(self) -> bool {
        matches!(
            self,
            EntityType::Country
                | EntityType::InternationalOrganization
                | EntityType::ArmedGroup
                | EntityType::PoliticalOrganization
                | EntityType::Bloc
                | EntityType::Person
        )
    }
}

/// Whether a statement is made as fact or only supposed. Only `Asserted` statements
/// enter the asserted graph; the others are kept as provenance.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Modality {
    Asserted,
    Hypothetical,
    Conditional,
    Future,
}

impl Modality {
    /// The modality's name as written in the lexicon and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Modality::Asserted => "asserted",
            Modality::Hypothetical => "hypothetical",
            Modality::Conditional => "conditional",
            Modality::Future => "future",
        }
    }

    /// Parses a modality name.
    pub fn parse(name: &str) -> Option<Modality> {
        [Modality::Asserted, Modality::Hypothetical, Modality::Conditional, Modality::Future]
            .into_iter()
            .find(|m| m.as_str() == name)
    }
}

/// What is known of an article besides its text.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ArticleMeta {
    /// Content hash of the original text: the same text always gets the same id.
    pub id: String,
    /// The id the article had in its corpus (a JSON Lines record's `id`), if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub title: Option<String>,
    /// ISO 8601 date (`YYYY-MM-DD`).
    pub published: Option<String>,
    pub keywords: Vec<String>,
    /// Path, `-` for standard input, or `file.jsonl:LINE` for a corpus line.
    pub source: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// Identifiers of an entity in other systems.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Codes {
    /// ISO 3166-1 alpha-3.
    pub iso3166: Option<String>,
    /// Wikidata Q-id.
    pub wikidata: Option<String>,
}

/// One place in the text that refers to an entity.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MentionOut {
    pub text: String,
    /// Byte offsets into the article's original text.
    pub start: usize,
    pub end: usize,
    /// Index of the sentence (in body order, from 0).
    pub sentence: usize,
}

/// An entity the article speaks of, with every mention of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    pub id: String,
    pub label: String,
    #[serde(rename = "type")]
    pub kind: EntityType,
    pub codes: Codes,
    pub mentions: Vec<MentionOut>,
}

/// A sentence that states a relation, and where.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub sentence: usize,
    /// Byte span of the sentence in the article's original text.
    pub start: usize,
    pub end: usize,
    pub text: String,
}

/// A typed relation between two entities, with its evidence. Each (subject, predicate,
/// object, negated) appears once per article.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Relation {
    pub subject: String,
    pub predicate: String,
    pub object: String,
    pub negated: bool,
    pub modality: Modality,
    pub confidence: f32,
    /// Id of the lexicon rule (or construction) that fired first.
    pub rule: String,
    pub evidence: Vec<Evidence>,
}

/// Everything extracted from one article.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Extraction {
    pub article: ArticleMeta,
    pub entities: Vec<Entity>,
    pub relations: Vec<Relation>,
    /// Messages about the article; printed on stderr by the CLI, not part of the JSON.
    #[serde(skip)]
    pub diagnostics: Vec<Diagnostic>,
}

//! newskg turns news articles about international relations into a knowledge graph:
//! who did what to whom, with the sentence that says so.
//!
//! The pipeline flows one way (see ARCHITECTURE.md): [`input`] reads files into
//! documents, [`article`] parses their header, [`text`] splits sentences and tokens,
//! [`mentions`] finds entities and what refers to them, [`relations`] finds typed
//! relations; [`extract`] runs the stages, [`eval`] scores them against gold files;
//! [`pipeline`] runs them on every core in input order, [`generate`] makes test corpora.
//! [`rdf`] maps extractions to RDF, [`store`] keeps them in an on-disk oxigraph store,
//! [`query`] runs SPARQL and [`shacl`] validates the graph; [`graph`] projects the store
//! into an entity graph, [`layout`] places it and [`export`] writes it for other tools;
//! [`server`] serves the store, SPARQL and the explorer over HTTP.
//! Behaviour users want to change lives in data ([`gazetteer`], [`lexicon`]).

pub mod article;
pub mod data;
pub mod eval;
pub mod export;
pub mod extract;
pub mod gazetteer;
pub mod generate;
pub mod graph;
pub mod input;
pub mod layout;
pub mod lexicon;
pub mod mentions;
pub mod model;
pub mod pipeline;
pub mod query;
pub mod rdf;
pub mod relations;
pub mod server;
pub mod shacl;
pub mod store;
pub mod syntax;
pub mod text;

pub use extract::Extractor;

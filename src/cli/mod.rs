//! Parts of the command line too large for main.rs: one file per command family. Only
//! the binary compiles these; the library knows nothing of clap.

pub mod corpus;
pub mod export;
pub mod nquads;
pub mod push;

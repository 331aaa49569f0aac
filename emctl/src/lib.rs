//! emctl as a library: the command line ([`cli`]), the commands ([`cmd`]), shell completion of
//! live names ([`complete`]) and the full-screen [`dashboard`]. The binary (`main.rs`) is only
//! the entry point; examples (the dashboard's render benchmark) use the library directly.

pub mod cli;
mod cluster;
pub mod cmd;
pub mod complete;
pub mod config;
pub mod context;
pub mod dashboard;
mod ops;
mod output;
mod prompt;
mod report;
mod source;

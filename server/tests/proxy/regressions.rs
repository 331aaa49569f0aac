//! Inputs the fuzzers found, each a test: see docs/fuzzing.md.

//! The data plane tested on its own, in memory (no socket, no sidecar): HTTP/1.1 framing against
//! a public parser's test suite, the same bytes parsed the same however they are split, every
//! request-smuggling shape refused, and the inputs the fuzzers found.

#[path = "proxy/conformance.rs"]
mod conformance;
#[path = "proxy/http_parser_requests.rs"]
mod http_parser_requests;
#[path = "proxy/http_parser_responses.rs"]
mod http_parser_responses;
#[path = "proxy/regressions.rs"]
mod regressions;
#[path = "proxy/smuggling.rs"]
mod smuggling;
#[path = "proxy/splits.rs"]
mod splits;

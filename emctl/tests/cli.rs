//! End-to-end tests: the real `emctl` binary against a real `meshd control-plane` process on
//! 127.0.0.1:0 with a temporary store. One test binary; scenarios in `cli/`.

#[path = "cli/support.rs"]
mod support;
#[path = "cli/tmux.rs"]
mod tmux;

#[path = "cli/auth.rs"]
mod auth;
#[path = "cli/cluster.rs"]
mod cluster;
#[path = "cli/completion.rs"]
mod completion;
#[path = "cli/dashboard.rs"]
mod dashboard;
#[path = "cli/demo.rs"]
mod demo;
#[path = "cli/edit.rs"]
mod edit;
#[path = "cli/instances.rs"]
mod instances;
#[path = "cli/migrate.rs"]
mod migrate;
#[path = "cli/output.rs"]
mod output;
#[path = "cli/resources.rs"]
mod resources;
#[path = "cli/watch.rs"]
mod watch;

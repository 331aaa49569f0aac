//! `emctl api-resources`: the kind table, for discovery.

use meshlib::kind::{KINDS, Scope};

use super::Exit;

/// The listing.
pub fn listing() -> String {
    let rows: Vec<Vec<String>> = KINDS
        .iter()
        .map(|k| {
            vec![
                k.name.to_owned(),
                k.plural.to_owned(),
                k.aliases.join(","),
                match k.scope {
                    Scope::Object => "object".to_owned(),
                    Scope::ServicePart(_) => "part of Service".to_owned(),
                    Scope::Registry => "registry".to_owned(),
                },
                if k.writable { "yes" } else { "no" }.to_owned(),
                k.description.to_owned(),
            ]
        })
        .collect();
    crate::output::grid(
        &["KIND", "PLURAL", "SHORTNAMES", "SCOPE", "WRITABLE", "DESCRIPTION"],
        &rows,
        true,
        None,
    )
}

/// Prints the listing.
pub fn run() -> Exit {
    print!("{}", listing());
    println!("\nAny other kind is a custom kind, defined by a CustomResourceKind.");
    Exit::Success
}

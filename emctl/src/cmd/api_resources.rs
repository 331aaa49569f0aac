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
                meshlib::inert::built(k.kind).word().to_owned(),
                k.description.to_owned(),
            ]
        })
        .collect();
    crate::output::grid(
        &[
            "KIND",
            "PLURAL",
            "SHORTNAMES",
            "SCOPE",
            "WRITABLE",
            "BUILT",
            "DESCRIPTION",
        ],
        &rows,
        true,
        None,
    )
}

/// What the mesh accepts but does not act on yet, from `meshlib::inert` (apply warns about each).
pub fn not_built() -> String {
    let rows: Vec<Vec<String>> = meshlib::inert::INERT
        .iter()
        .map(|row| {
            vec![
                row.kind.name().to_owned(),
                if row.pointer.is_empty() {
                    "(every object)".to_owned()
                } else {
                    meshlib::inert::field_path(row.pointer)
                },
                row.note.to_owned(),
            ]
        })
        .collect();
    crate::output::grid(&["KIND", "FIELD", "NOT ACTED ON YET"], &rows, true, None)
}

/// Prints the listing.
pub fn run() -> Exit {
    print!("{}", listing());
    println!("\nAny other kind is a custom kind, defined by a CustomResourceKind.");
    println!("\nAccepted and stored, but not acted on yet (apply, create and edit warn about them):\n");
    print!("{}", not_built());
    Exit::Success
}

//! Every example in testdata/examples decodes; every fixture in testdata/invalid is refused, and
//! its message (file, document, fields) is snapshot-tested.

use std::path::Path;

use meshlib::decode::decode_str;

fn testdata() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../testdata"))
}

#[test]
fn every_example_decodes() {
    let mut count = 0;
    for entry in std::fs::read_dir(testdata().join("examples")).unwrap() {
        let path = entry.unwrap().path();
        let text = std::fs::read_to_string(&path).unwrap();
        for document in decode_str(&text, &path.display().to_string()) {
            if let Err(err) = &document.result {
                panic!("{}: {}", document.at, err.report());
            }
            count += 1;
        }
    }
    assert!(count >= 20, "only {count} example objects");
}

#[test]
fn every_invalid_fixture_is_refused_with_its_fields() {
    insta::glob!("../../testdata/invalid", "*.yaml", |path| {
        let text = std::fs::read_to_string(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let documents = decode_str(&text, &name);
        assert!(!documents.is_empty(), "{name}: no documents");
        let mut report = String::new();
        for document in &documents {
            match &document.result {
                Ok(resource) => panic!("{name}: {} was accepted", resource.reference()),
                Err(err) => report.push_str(&format!("{}: {}\n", document.at, err.report())),
            }
        }
        assert!(report.contains(&name) && report.contains("document 1"), "{report}");
        insta::assert_snapshot!(report);
    });
}

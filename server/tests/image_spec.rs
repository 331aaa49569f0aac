//! The Dockerfile and `scripts/image.sh` build the same two images: for each image of
//! `scripts/image.sh spec` the Dockerfile has a final stage of that name, FROM scratch, that copies
//! the binary to the same path and has the same USER, WORKDIR, ENTRYPOINT and ENV, and its
//! `ARG VERSION` default is the version the spec tags with.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
struct Image {
    binary: String,
    path: String,
    entrypoint: Vec<String>,
    user: String,
    workdir: String,
    tag: String,
    env: Vec<String>,
}

fn workspace() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `scripts/image.sh spec`: builds nothing.
fn spec() -> BTreeMap<String, Image> {
    let script = workspace().join("scripts/image.sh");
    let output = Command::new("bash")
        .arg(&script)
        .arg("spec")
        .output()
        .unwrap_or_else(|err| panic!("cannot run {}: {err}", script.display()));
    assert!(
        output.status.success(),
        "scripts/image.sh spec failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap_or_else(|err| {
        panic!(
            "scripts/image.sh spec printed no valid spec ({err}):\n{}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

/// One instruction: its keyword in upper case and the rest of its (joined) lines.
#[derive(Debug, Clone, PartialEq)]
struct Instruction {
    keyword: String,
    args: String,
}

#[derive(Debug, Default)]
struct Dockerfile {
    /// `ARG` instructions before the first `FROM`.
    global_args: Vec<String>,
    /// Stage name (or its index, when unnamed) → base image and instructions.
    stages: BTreeMap<String, (String, Vec<Instruction>)>,
}

/// Instructions of the Dockerfile: comment lines dropped, `\`-continued lines joined.
fn parse(text: &str) -> Result<Dockerfile, String> {
    let mut instructions = Vec::new();
    let mut pending = String::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with('#') || trimmed.is_empty() {
            continue;
        }
        match trimmed.strip_suffix('\\') {
            Some(part) => {
                pending.push_str(part);
                pending.push(' ');
            }
            None => {
                pending.push_str(trimmed);
                instructions.push(std::mem::take(&mut pending));
            }
        }
    }
    if !pending.trim().is_empty() {
        return Err(format!("the last instruction ends with a `\\`: {pending}"));
    }
    let mut dockerfile = Dockerfile::default();
    let mut current: Option<String> = None;
    for instruction in instructions {
        let (keyword, args) = instruction
            .split_once(char::is_whitespace)
            .unwrap_or((&instruction, ""));
        let keyword = keyword.to_ascii_uppercase();
        let args = args.trim().to_owned();
        if keyword == "FROM" {
            let words: Vec<&str> = args.split_whitespace().filter(|word| !word.starts_with("--")).collect();
            let (base, name) = match words.as_slice() {
                [base] => (base.to_string(), dockerfile.stages.len().to_string()),
                [base, as_, name] if as_.eq_ignore_ascii_case("as") => (base.to_string(), name.to_string()),
                _ => return Err(format!("cannot read `FROM {args}`")),
            };
            if dockerfile.stages.insert(name.clone(), (base, Vec::new())).is_some() {
                return Err(format!("two stages are named {name}"));
            }
            current = Some(name);
            continue;
        }
        match &current {
            Some(stage) => dockerfile
                .stages
                .get_mut(stage)
                .expect("inserted")
                .1
                .push(Instruction { keyword, args }),
            None if keyword == "ARG" => dockerfile.global_args.push(args),
            None => return Err(format!("`{keyword} {args}` comes before the first FROM")),
        }
    }
    Ok(dockerfile)
}

/// The last value of a single-valued instruction (USER, WORKDIR) in a stage.
fn last<'a>(instructions: &'a [Instruction], keyword: &str) -> Option<&'a str> {
    instructions
        .iter()
        .rev()
        .find(|i| i.keyword == keyword)
        .map(|i| i.args.as_str())
}

/// Every way the stage `name` differs from `image`; empty when they agree.
fn differences(dockerfile: &Dockerfile, name: &str, image: &Image) -> Vec<String> {
    let Some((base, instructions)) = dockerfile.stages.get(name) else {
        return vec![format!("no stage `FROM ... AS {name}`")];
    };
    let mut problems = Vec::new();
    if base != "scratch" {
        problems.push(format!("stage {name} is FROM {base}, not FROM scratch"));
    }
    // COPY [--flags] SOURCE... DEST: one of them puts the binary at the image's path.
    let copies_binary = instructions.iter().filter(|i| i.keyword == "COPY").any(|i| {
        let words: Vec<&str> = i
            .args
            .split_whitespace()
            .filter(|word| !word.starts_with("--"))
            .collect();
        match words.split_last() {
            Some((dest, sources)) => {
                *dest == image.path
                    && sources
                        .iter()
                        .any(|source| source.rsplit('/').next() == Some(image.binary.as_str()))
            }
            None => false,
        }
    });
    if !copies_binary {
        problems.push(format!(
            "stage {name} has no `COPY ... {} {}`",
            image.binary, image.path
        ));
    }
    match last(instructions, "USER") {
        Some(user) if user == image.user => {}
        Some(user) => problems.push(format!("stage {name}: USER {user}, the script's is {}", image.user)),
        None => problems.push(format!("stage {name} has no USER (the script's is {})", image.user)),
    }
    match last(instructions, "WORKDIR") {
        Some(workdir) if workdir == image.workdir => {}
        Some(workdir) => problems.push(format!(
            "stage {name}: WORKDIR {workdir}, the script's is {}",
            image.workdir
        )),
        None => problems.push(format!(
            "stage {name} has no WORKDIR (the script's is {})",
            image.workdir
        )),
    }
    match last(instructions, "ENTRYPOINT").map(serde_json::from_str::<Vec<String>>) {
        Some(Ok(entrypoint)) if entrypoint == image.entrypoint => {}
        Some(Ok(entrypoint)) => problems.push(format!(
            "stage {name}: ENTRYPOINT {entrypoint:?}, the script's is {:?}",
            image.entrypoint
        )),
        Some(Err(err)) => problems.push(format!(
            "stage {name}: ENTRYPOINT is not a JSON list of strings ({err})"
        )),
        None => problems.push(format!(
            "stage {name} has no ENTRYPOINT (the script's is {:?})",
            image.entrypoint
        )),
    }
    for variable in &image.env {
        if !instructions.iter().any(|i| i.keyword == "ENV" && i.args == *variable) {
            problems.push(format!("stage {name} has no `ENV {variable}`"));
        }
    }
    problems
}

/// The version of the spec's tags, and the Dockerfile's `ARG VERSION` default.
fn version_differences(dockerfile: &Dockerfile, spec: &BTreeMap<String, Image>) -> Vec<String> {
    let argument = dockerfile
        .global_args
        .iter()
        .find_map(|arg| arg.strip_prefix("VERSION="));
    spec.values()
        .filter_map(|image| {
            let version = image.tag.rsplit_once(':').map(|(_, version)| version).unwrap_or("");
            match argument {
                Some(argument) if argument == version => None,
                Some(argument) => Some(format!("ARG VERSION={argument}, but the script tags {}", image.tag)),
                None => Some(format!(
                    "no `ARG VERSION=...` before the first FROM (the script tags {})",
                    image.tag
                )),
            }
        })
        .collect()
}

#[test]
fn dockerfile_builds_what_the_script_builds() {
    let spec = spec();
    assert_eq!(
        spec.keys().map(String::as_str).collect::<Vec<_>>(),
        ["meshd", "meshd-sidecar"],
        "scripts/image.sh spec names other images"
    );
    let path = workspace().join("Dockerfile");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("cannot read {}: {err}", path.display()));
    let dockerfile = parse(&text).unwrap_or_else(|err| panic!("Dockerfile: {err}"));
    let mut problems = version_differences(&dockerfile, &spec);
    problems.dedup();
    for (name, image) in &spec {
        problems.extend(differences(&dockerfile, name, image));
    }
    assert!(
        problems.is_empty(),
        "the Dockerfile and scripts/image.sh disagree:\n  {}",
        problems.join("\n  ")
    );
}

/// The parser refuses what it cannot check rather than passing it.
#[test]
fn a_missing_stage_or_instruction_is_reported() {
    let image = Image {
        binary: "meshd".into(),
        path: "/usr/local/bin/meshd".into(),
        entrypoint: vec!["/usr/local/bin/meshd".into()],
        user: "65532:65532".into(),
        workdir: "/home/nonroot".into(),
        tag: "docker.io/megaease/meshd:1.0".into(),
        env: vec!["PATH=/usr/local/bin".into()],
    };
    let complete = "ARG VERSION=1.0\nFROM rust AS build\nRUN a \\\n  && b\n# note\nFROM scratch AS meshd\n\
                    COPY --from=build /out/bin/meshd /usr/local/bin/meshd\nENV PATH=/usr/local/bin\n\
                    USER 65532:65532\nWORKDIR /home/nonroot\nENTRYPOINT [\"/usr/local/bin/meshd\"]\n";
    let dockerfile = parse(complete).expect("parses");
    assert_eq!(differences(&dockerfile, "meshd", &image), Vec::<String>::new());
    let spec = BTreeMap::from([("meshd".to_owned(), image)]);
    assert_eq!(version_differences(&dockerfile, &spec), Vec::<String>::new());
    let image = &spec["meshd"];

    assert_eq!(
        differences(&dockerfile, "meshd-sidecar", image),
        ["no stage `FROM ... AS meshd-sidecar`"]
    );
    let without_user = parse(&complete.replace("USER 65532:65532\n", "")).expect("parses");
    assert_eq!(
        differences(&without_user, "meshd", image),
        ["stage meshd has no USER (the script's is 65532:65532)"]
    );
    let shell_form = parse(&complete.replace("[\"/usr/local/bin/meshd\"]", "/usr/local/bin/meshd")).expect("parses");
    assert!(differences(&shell_form, "meshd", image)[0].contains("ENTRYPOINT is not a JSON list"));
    let elsewhere = parse(&complete.replace(" /usr/local/bin/meshd\nENV", " /bin/meshd\nENV")).expect("parses");
    assert_eq!(
        differences(&elsewhere, "meshd", image),
        ["stage meshd has no `COPY ... meshd /usr/local/bin/meshd`"]
    );
    let old = parse(&complete.replace("VERSION=1.0", "VERSION=0.9")).expect("parses");
    assert_eq!(
        version_differences(&old, &spec),
        ["ARG VERSION=0.9, but the script tags docker.io/megaease/meshd:1.0"]
    );
    assert!(parse("RUN true\n").is_err());
}

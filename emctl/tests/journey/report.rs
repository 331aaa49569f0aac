//! What the journey measured: durations of the steps users wait for, and the mesh's memory in its
//! pods. Written as JSON to `EMESH_JOURNEY_REPORT` when it is set.

use std::collections::BTreeMap;
use std::time::Duration;

#[derive(Default)]
pub struct Report {
    figures: BTreeMap<String, serde_json::Value>,
}

impl Report {
    pub fn duration(&mut self, name: &str, took: Duration) {
        eprintln!("journey: {name}: {:.3} s", took.as_secs_f64());
        self.figures.insert(
            format!("{name}_seconds"),
            serde_json::json!((took.as_secs_f64() * 1000.0).round() / 1000.0),
        );
    }

    pub fn figure(&mut self, name: &str, value: serde_json::Value) {
        eprintln!("journey: {name}: {value}");
        self.figures.insert(name.to_owned(), value);
    }

    pub fn write(&self) {
        if let Some(path) = std::env::var_os("EMESH_JOURNEY_REPORT") {
            let text = serde_json::to_string_pretty(&self.figures).expect("figures serialize");
            std::fs::write(&path, text).expect("the report is written");
        }
    }
}

/// Processes whose command line starts with `argv` (its first word matched by its end): the
/// node's containers are processes of this machine.
pub fn pids(argv: &[&str]) -> Vec<u32> {
    let mut found = Vec::new();
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return found;
    };
    for entry in entries.flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else {
            continue;
        };
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let args: Vec<String> = cmdline
            .split(|b| *b == 0)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        let matches = argv.iter().enumerate().all(|(i, want)| {
            args.get(i)
                .is_some_and(|arg| if i == 0 { arg.ends_with(want) } else { arg == want })
        });
        if matches {
            found.push(pid);
        }
    }
    found
}

/// Resident memory (KiB) of each process [`pids`] finds.
pub fn rss_kib(argv: &[&str]) -> Vec<u64> {
    pids(argv)
        .into_iter()
        .filter_map(|pid| {
            let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
            status
                .lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .collect()
}

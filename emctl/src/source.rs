//! `-f` locations: files, directories (with `-R`), http(s) URLs and `-` for stdin.

use std::io::Read;
use std::path::Path;
use std::time::Duration;

use anyhow::{Context, bail};
use meshlib::backoff::Backoff;

/// The text of one input and what to call it in messages.
#[derive(Debug)]
pub struct Source {
    /// Path, URL or `-`.
    pub name: String,
    /// Its content.
    pub text: String,
}

const EXTENSIONS: &[&str] = &["yaml", "yml", "json"];

/// Reads and decodes every location; unreadable ones are reported.
pub async fn decode_all(
    locations: &[String],
    recursive: bool,
    timeout: Duration,
) -> (Vec<meshlib::decode::Decoded>, bool) {
    let mut failed = false;
    let mut documents = Vec::new();
    for source in read_all(locations, recursive, timeout).await {
        match source {
            Ok(source) => documents.extend(meshlib::decode::decode_str(&source.text, &source.name)),
            Err(err) => {
                eprintln!("error: {err:#}");
                failed = true;
            }
        }
    }
    (documents, failed)
}

/// Reads every location; a location that fails yields an error in its place.
pub async fn read_all(locations: &[String], recursive: bool, timeout: Duration) -> Vec<anyhow::Result<Source>> {
    let mut out = Vec::new();
    let mut stdin_used = false;
    for location in locations {
        if location == "-" {
            if stdin_used {
                out.push(Err(anyhow::anyhow!("- (stdin) can be given only once")));
                continue;
            }
            stdin_used = true;
            let mut text = String::new();
            out.push(
                std::io::stdin()
                    .read_to_string(&mut text)
                    .context("cannot read stdin")
                    .map(|_| Source { name: "-".into(), text }),
            );
        } else if location.starts_with("http://") || location.starts_with("https://") {
            out.push(fetch(location, timeout).await);
        } else {
            let path = Path::new(location);
            if !path.exists() {
                out.push(Err(anyhow::anyhow!("the path {location:?} does not exist")));
            } else if path.is_dir() {
                let mut files = Vec::new();
                if let Err(err) = walk(path, recursive, &mut files) {
                    out.push(Err(err));
                    continue;
                }
                if files.is_empty() {
                    out.push(Err(anyhow::anyhow!(
                        "{location}: no .yaml, .yml or .json files{}",
                        if recursive { "" } else { " (use -R for subdirectories)" }
                    )));
                }
                files.sort();
                out.extend(files.into_iter().map(|f| read_file(&f)));
            } else {
                out.push(read_file(path));
            }
        }
    }
    out
}

fn read_file(path: &Path) -> anyhow::Result<Source> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(Source {
        name: path.display().to_string(),
        text,
    })
}

fn walk(dir: &Path, recursive: bool, files: &mut Vec<std::path::PathBuf>) -> anyhow::Result<()> {
    for entry in std::fs::read_dir(dir).with_context(|| format!("cannot read directory {}", dir.display()))? {
        let path = entry?.path();
        if path.is_dir() {
            if recursive {
                walk(&path, recursive, files)?;
            }
        } else if path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| EXTENSIONS.contains(&e))
        {
            files.push(path);
        }
    }
    Ok(())
}

async fn fetch(url: &str, timeout: Duration) -> anyhow::Result<Source> {
    let client = reqwest::Client::builder().timeout(timeout).build()?;
    let mut last = None;
    // Transient failures (connection errors, 5xx) get two more tries.
    let mut backoff = Backoff::new(Duration::from_millis(500), Duration::from_secs(2));
    for attempt in 0..3 {
        if attempt > 0 {
            tokio::time::sleep(backoff.next_wait()).await;
        }
        match client.get(url).send().await {
            Ok(response) if response.status().is_success() => {
                let text = response.text().await.with_context(|| format!("cannot read {url}"))?;
                return Ok(Source {
                    name: url.to_owned(),
                    text,
                });
            }
            Ok(response) if response.status().is_server_error() => last = Some(format!("status {}", response.status())),
            Ok(response) => bail!("cannot read {url}: status {}", response.status()),
            Err(err) => last = Some(err.to_string()),
        }
    }
    bail!("cannot read {url}: {}", last.unwrap_or_default())
}

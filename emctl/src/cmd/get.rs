//! `emctl get`: list or show objects of any kind, in any output format, optionally watching.

use std::time::SystemTime;

use futures_util::StreamExt;
use meshlib::kind::ResourceKind;
use meshlib::selector::Selector;

mod filter;

use super::{Ctx, Exit};
use crate::cli::{GetArgs, Output};
use crate::{output, report};

/// Runs `get`.
pub async fn run(ctx: &Ctx, args: &GetArgs) -> anyhow::Result<Exit> {
    let kind = ResourceKind::lookup(&args.kind);
    let selector: Option<Selector> = args.selector.as_deref().map(str::parse).transpose()?;
    let width = output::terminal_width();
    let instances = filter::instances(&kind, args, selector.as_ref())?;
    let names = instances
        .as_ref()
        .map_or_else(|| args.names.clone(), |(_, names)| names.clone());
    let filter = instances.map(|(filter, _)| filter);
    // Instances are selected by their own labels, through the filter.
    let selector = if filter.is_some() { None } else { selector };
    if args.watch {
        return watch(ctx, &kind, selector.as_ref(), filter.as_ref(), args, width).await;
    }
    let mut failed = false;
    let items = if names.is_empty() {
        match ctx
            .client
            .list(&kind, selector.as_ref().map(ToString::to_string).as_deref())
            .await
        {
            Ok(list) => list.items,
            Err(err) => {
                eprintln!(
                    "{}",
                    report::unknown_kind(&kind, &err).unwrap_or_else(|| report::client_error("", &err, &ctx.config))
                );
                return Ok(Exit::Failure);
            }
        }
    } else {
        let mut items = Vec::new();
        for name in &names {
            match ctx.client.get(&kind, name).await {
                Ok(resource) => items.push(resource),
                Err(err) if err.is_not_found() && args.ignore_not_found => {}
                Err(err) => {
                    eprintln!(
                        "{}",
                        report::unknown_kind(&kind, &err).unwrap_or_else(|| report::client_error(
                            "",
                            &err,
                            &ctx.config
                        ))
                    );
                    failed = true;
                    if err.is_transport() {
                        return Ok(Exit::Failure);
                    }
                }
            }
        }
        items
    };
    let items: Vec<_> = items
        .into_iter()
        .filter(|i| filter.as_ref().is_none_or(|f| f.matches(i)))
        .collect();
    if items.is_empty() {
        if names.is_empty() && matches!(args.output, Output::Table | Output::Wide | Output::Name) {
            eprintln!("No resources found.");
            return Ok(Exit::from_failed(failed));
        }
        if !matches!(args.output, Output::Yaml | Output::Json) {
            return Ok(Exit::from_failed(failed));
        }
    }
    let single = names.len() == 1;
    print!(
        "{}",
        output::render(
            &kind,
            &items,
            single,
            args.output,
            !args.no_headers,
            width,
            SystemTime::now()
        )?
    );
    // The process ends right after; freeing thousands of objects one by one only delays it.
    std::mem::forget(items);
    Ok(Exit::from_failed(failed))
}

async fn watch(
    ctx: &Ctx,
    kind: &ResourceKind,
    selector: Option<&Selector>,
    filter: Option<&meshlib::registry::InstanceFilter>,
    args: &GetArgs,
    width: Option<u16>,
) -> anyhow::Result<Exit> {
    let mut events = match ctx.client.watch(kind).await {
        Ok(events) => Box::pin(events),
        Err(err) => {
            eprintln!(
                "{}",
                report::unknown_kind(kind, &err).unwrap_or_else(|| report::client_error("", &err, &ctx.config))
            );
            return Ok(Exit::Failure);
        }
    };
    let mut headers = !args.no_headers;
    while let Some(event) = events.next().await {
        let event = match event {
            Ok(event) => event,
            Err(err) => {
                eprintln!("{}", report::client_error("watch", &err, &ctx.config));
                return Ok(Exit::Failure);
            }
        };
        if event.event == meshlib::api::EventType::Bookmark {
            continue;
        }
        let object = event.object;
        if filter.is_none() && !args.names.is_empty() && !args.names.contains(&object.metadata.name) {
            continue;
        }
        if selector.is_some_and(|s| !s.matches(&object.metadata.labels)) || filter.is_some_and(|f| !f.matches(&object))
        {
            continue;
        }
        let text = match args.output {
            Output::Json => format!(
                "{}\n",
                serde_json::to_string(&meshlib::api::WatchEvent {
                    event: event.event,
                    object
                })?
            ),
            Output::Yaml => format!("---\n{}", meshlib::yaml::to_string(&object)?),
            format => output::render(kind, &[object], true, format, headers, width, SystemTime::now())?,
        };
        headers = false;
        print!("{text}");
        std::io::Write::flush(&mut std::io::stdout())?;
    }
    eprintln!("error: the control plane closed the watch");
    Ok(Exit::Failure)
}

//! `emctl dashboard`: a full-screen live view of the mesh, k9s-style. This module owns the event
//! loop; the state and its transitions are in [`app`], drawing in [`ui`], key bindings in
//! [`keys`], live data in `feed` (watches) and `scrape` (the sidecars' metrics, gathered by the control
//! plane).
//!
//! The loop never waits on the network: it selects on terminal events, the feed's channel, a
//! clock tick and signals, applies what arrived as actions, carries out the effects (network
//! work is spawned; only `$EDITOR` takes the terminal over), and redraws at most every 30 ms.

pub mod action;
pub mod app;
mod feed;
#[cfg(test)]
mod fixture;
pub mod keys;
pub mod list;
pub mod metrics;
mod scrape;
mod terminal;
pub mod theme;
pub mod ui;

use std::io::IsTerminal;
use std::time::{Duration, Instant, SystemTime};

use anyhow::Context;
use crossterm::event::EventStream;
use futures_util::StreamExt;
use meshlib::kind::{Kind, ResourceKind};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use self::action::{Action, Effect};
use self::app::{App, Settings};
use crate::cli::{DashboardArgs, EditFormat};
use crate::context::{Ctx, Exit};

/// Shortest time between two frames.
const FRAME: Duration = Duration::from_millis(30);
/// How often the clock moves (ages, the banner's countdown).
const TICK: Duration = Duration::from_secs(1);
/// Most actions applied between two frames.
const BATCH: usize = 256;
/// How long instances may show stale derived columns (canary, tenant) after a change of
/// canaries or services before they are watched again.
const DERIVED_STALE: Duration = Duration::from_secs(1);

/// Runs the dashboard until the user quits.
///
/// # Errors
/// Not a terminal, or the terminal fails.
pub async fn run(ctx: &Ctx, args: &DashboardArgs) -> anyhow::Result<Exit> {
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        anyhow::bail!("the dashboard needs a terminal; in scripts use `emctl get KIND -w`");
    }
    let settings = Settings {
        server: ctx.client.server().to_owned(),
        context: ctx.config.context.clone(),
        client_version: meshlib::VERSION.to_owned(),
        readonly: args.readonly,
        theme: theme::Theme::from_env(),
    };
    let mut app = App::new(settings, ResourceKind::lookup(&args.view), SystemTime::now());
    let (tx, rx) = mpsc::channel(BATCH);
    let mut feed = feed::Feed::start(ctx.client.clone(), tx.clone());
    for kind in app.kinds() {
        feed.watch(kind);
    }
    let scraper = tokio::spawn(scrape::run(ctx.client.clone(), tx.clone(), args.metrics_interval));
    let mut screen = terminal::enter().context("cannot take over the terminal")?;
    let size = screen.terminal().size()?;
    app.update(Action::Resize {
        width: size.width,
        height: size.height,
    });
    let mut event_loop = Loop {
        ctx,
        app,
        screen,
        feed,
        rx,
        tx,
        derived_stale: None,
    };
    let result = event_loop.run().await;
    scraper.abort();
    drop(event_loop);
    result.map(|()| Exit::Success)
}

/// What arrived.
enum Input {
    Terminal(crossterm::event::Event),
    Action(Action),
    Redraw,
    Closed,
}

struct Loop<'a> {
    ctx: &'a Ctx,
    app: App,
    screen: terminal::Screen,
    feed: feed::Feed,
    rx: mpsc::Receiver<Action>,
    tx: mpsc::Sender<Action>,
    /// Since when instances show stale canary or tenant columns.
    derived_stale: Option<Instant>,
}

impl Loop<'_> {
    async fn run(&mut self) -> anyhow::Result<()> {
        let mut events = EventStream::new();
        let mut tick = tokio::time::interval(TICK);
        let mut terminate = signal(SignalKind::terminate())?;
        let mut hangup = signal(SignalKind::hangup())?;
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut drawn: Option<Instant> = None;
        let mut dirty = true;
        loop {
            if dirty && drawn.is_none_or(|at| at.elapsed() >= FRAME) {
                let app = &self.app;
                self.screen.terminal().draw(|frame| ui::render(app, frame))?;
                drawn = Some(Instant::now());
                dirty = false;
            }
            let next_frame = tokio::time::Instant::from_std(drawn.map_or_else(Instant::now, |at| at + FRAME));
            let input = tokio::select! {
                event = events.next() => match event {
                    Some(event) => Input::Terminal(event?),
                    None => Input::Closed,
                },
                Some(action) = self.rx.recv() => Input::Action(action),
                _ = tick.tick() => Input::Action(Action::Tick(SystemTime::now())),
                _ = terminate.recv() => Input::Action(Action::Quit),
                _ = hangup.recv() => Input::Action(Action::Quit),
                _ = interrupt.recv() => Input::Action(Action::Quit),
                () = tokio::time::sleep_until(next_frame), if dirty => Input::Redraw,
            };
            let mut inputs = vec![input];
            // Data already waiting goes into the same frame. (Keys are not drained this way:
            // polling crossterm's stream without a real waker would leave it asleep; the next
            // turn of the loop takes them, and frames are throttled anyway.)
            while inputs.len() < BATCH
                && let Ok(action) = self.rx.try_recv()
            {
                inputs.push(Input::Action(action));
            }
            for input in inputs {
                let action = match input {
                    Input::Terminal(event) => keys::action(self.app.mode(), &event),
                    Input::Action(action) => Some(action),
                    Input::Redraw => None,
                    Input::Closed => return Ok(()),
                };
                let Some(action) = action else { continue };
                dirty = true;
                if let Action::Changed(kind, _) = &action
                    && matches!(kind, ResourceKind::Builtin(Kind::ServiceCanary | Kind::Service))
                {
                    self.derived_stale.get_or_insert_with(Instant::now);
                }
                if let Some(effect) = self.app.update(action)
                    && !self.perform(effect, &mut events).await?
                {
                    return Ok(());
                }
            }
            self.background();
        }
    }

    /// Keeps the instances' derived columns current.
    fn background(&mut self) {
        let instances = ResourceKind::Builtin(Kind::ServiceInstance);
        if self.derived_stale.is_some_and(|since| since.elapsed() >= DERIVED_STALE) {
            self.derived_stale = None;
            self.feed.resync(&instances);
        }
    }

    /// Carries out an effect; `false` to quit.
    async fn perform(&mut self, effect: Effect, events: &mut EventStream) -> anyhow::Result<bool> {
        match effect {
            Effect::Quit => return Ok(false),
            Effect::Watch(kind) => self.feed.watch(&kind),
            Effect::Resync(kind) => self.feed.resync(&kind),
            Effect::Delete(target) => {
                let (client, config, tx) = (self.ctx.client.clone(), self.ctx.config.clone(), self.tx.clone());
                tokio::spawn(async move {
                    let result = match client.delete(&target.kind, &target.name).await {
                        Ok(_) => Ok(crate::ops::deleted(&target.kind, &target.name)),
                        Err(err) => Err(crate::report::client_error(&target.reference(), &err, &config)),
                    };
                    let _ = tx.send(Action::Done(result)).await;
                });
            }
            Effect::Edit(target) => {
                // The terminal reader must stop, or it would take keys meant for the editor.
                drop(std::mem::replace(events, EventStream::new()));
                self.screen.suspend();
                let outcome = crate::ops::edit::edit(self.ctx, &target.kind, &target.name, EditFormat::Yaml).await;
                self.screen.resume()?;
                let result = match outcome {
                    Ok(outcome) => match outcome.message() {
                        // Warnings make it a notice the user dismisses, not a passing status line.
                        (message, false) => Ok(std::iter::once(message)
                            .chain(outcome.warnings().iter().cloned())
                            .collect::<Vec<_>>()
                            .join("\n")),
                        (message, true) => Err(message),
                    },
                    Err(err) => Err(format!("error: {err:#}")),
                };
                self.app.update(Action::Done(result));
            }
        }
        Ok(true)
    }
}

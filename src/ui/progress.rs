//! Progress on stderr: spinners (indicatif) on a terminal, plain `◎`/`✔`/`✗` lines elsewhere.
//! Data never goes here; it goes to stdout.
use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

#[derive(Clone)]
pub struct Progress {
    multi: Option<MultiProgress>,
}

pub struct Task {
    bar: Option<ProgressBar>,
    label: String,
}

impl Default for Progress {
    fn default() -> Self {
        Self::new()
    }
}

impl Progress {
    pub fn new() -> Self {
        let multi = std::io::stderr()
            .is_terminal()
            .then(|| MultiProgress::with_draw_target(ProgressDrawTarget::stderr()));
        Progress { multi }
    }

    pub fn is_terminal(&self) -> bool {
        self.multi.is_some()
    }

    pub fn task(&self, label: impl Into<String>, message: &str) -> Task {
        // Labels and messages carry object names and the cluster's messages: sanitised here, so
        // no caller can forget.
        let label = crate::sanitize::line(&label.into()).into_owned();
        let bar = self.multi.as_ref().map(|m| {
            let bar = m.add(ProgressBar::new_spinner());
            bar.set_style(
                ProgressStyle::with_template("{spinner} {prefix} {wide_msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_spinner()),
            );
            bar.set_prefix(label.clone());
            bar.set_message(crate::sanitize::line(message).into_owned());
            bar.enable_steady_tick(Duration::from_millis(120));
            bar
        });
        if bar.is_none() {
            crate::safe_eprintln!("◎ {label}: {message}");
        }
        Task { bar, label }
    }

    /// A bar counting `total` steps (objects to disappear).
    pub fn bar(&self, total: u64, message: &str) -> Option<ProgressBar> {
        self.multi.as_ref().map(|m| {
            let bar = m.add(ProgressBar::new(total));
            bar.set_style(
                ProgressStyle::with_template("{bar:30} {pos}/{len} {wide_msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            bar.set_message(crate::sanitize::line(message).into_owned());
            bar
        })
    }

    pub fn line(&self, text: &str) {
        match &self.multi {
            Some(m) => {
                let _ = m.println(crate::sanitize::line(text));
            }
            None => crate::safe_eprintln!("{text}"),
        }
    }
}

impl Task {
    pub fn message(&self, message: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(crate::sanitize::line(message).into_owned());
        }
    }

    pub fn ok(self, message: &str) {
        match self.bar {
            Some(bar) => bar.finish_with_message(format!("✔ {}", crate::sanitize::line(message))),
            None => crate::safe_eprintln!("✔ {}: {message}", self.label),
        }
    }

    pub fn fail(self, message: &str) {
        match self.bar {
            Some(bar) => bar.abandon_with_message(format!("✗ {}", crate::sanitize::line(message))),
            None => crate::safe_eprintln!("✗ {}: {message}", self.label),
        }
    }
}

/// The cluster layer's waits report through this progress.
impl crate::cluster::triggers::Report for Progress {
    fn line(&self, text: &str) {
        Progress::line(self, text)
    }

    fn task(&self, label: String, message: &str) -> Box<dyn crate::cluster::triggers::TaskReport> {
        Box::new(Progress::task(self, label, message))
    }
}

impl crate::cluster::triggers::TaskReport for Task {
    fn message(&self, message: &str) {
        Task::message(self, message)
    }

    fn ok(self: Box<Self>, message: &str) {
        Task::ok(*self, message)
    }

    fn fail(self: Box<Self>, message: &str) {
        Task::fail(*self, message)
    }
}

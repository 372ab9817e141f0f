//! `nbq train`: float baseline and quantization-aware training on a real data set, the results table, and one
//! checkpoint per network.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use nbq_model::checkpoint;
use nbq_model::data::DataName;
use nbq_train::experiment::{self, markdown};
use nbq_train::train::{QuantMethod, TrainConfig};

/// Train on the UCI digits or MNIST: a float CNN, then every method at every bit width; writes the results
/// table (results.md, results.json) and checkpoints (float.safetensors, <method>-<n>bit.safetensors).
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Data set: `digits` (bundled, 8x8) or `mnist` (fetched by scripts/setup.sh, 28x28).
    #[arg(long, value_enum, default_value_t = DataName::Digits)]
    pub data: DataName,
    /// Where the data set is (default: testdata/digits.csv.gz or data/mnist).
    #[arg(long)]
    pub data_path: Option<PathBuf>,
    /// Weight bit widths, 1 to 8.
    #[arg(long, value_delimiter = ',', default_value = "1,2,3,4,5", value_parser = clap::value_parser!(u32).range(1..=8))]
    pub bits: Vec<u32>,
    /// Methods: ptq (post-training), rg (reconstructed gradient), gsnq (incremental retraining).
    #[arg(long, value_delimiter = ',', default_value = "ptq,rg,gsnq")]
    pub methods: Vec<String>,
    /// Bits of the thresholded activation codes between layers (1 to 8).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=8))]
    pub act_bits: u32,
    /// Training settings file (TOML keys: epochs, qat_epochs, lr, batch, seed); the options below override it.
    #[arg(long)]
    pub config: Option<PathBuf>,
    /// Float epochs.
    #[arg(long)]
    pub epochs: Option<usize>,
    /// Quantization-aware epochs per method and bit width.
    #[arg(long)]
    pub qat_epochs: Option<usize>,
    /// Adam learning rate.
    #[arg(long, allow_negative_numbers = true)]
    pub lr: Option<f64>,
    #[arg(long)]
    pub batch: Option<usize>,
    #[arg(long)]
    pub seed: Option<u64>,
    /// Start from this float checkpoint instead of training one.
    #[arg(long)]
    pub init: Option<PathBuf>,
    /// Output folder.
    #[arg(long, short = 'o', default_value = "out/train")]
    pub out: PathBuf,
    /// Replace nbq's files (those its .nbq-files lists) in a non-empty output folder; others stay.
    #[arg(long)]
    pub force: bool,
}

/// Where a data set lives unless told.
pub fn default_path(d: DataName) -> PathBuf {
    match d {
        DataName::Digits => PathBuf::from("testdata/digits.csv.gz"),
        DataName::Mnist => nbq_model::data::default_mnist_dir(),
    }
}

/// The training settings: defaults, then the file, then the options.
fn settings(a: &Args) -> Result<TrainConfig> {
    let mut c = match &a.config {
        Some(p) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("cannot read '{}'", p.display()))?;
            toml::from_str::<TrainConfig>(&text).with_context(|| format!("training settings '{}'", p.display()))?
        }
        None => TrainConfig::default(),
    };
    c.epochs = a.epochs.unwrap_or(c.epochs);
    c.qat_epochs = a.qat_epochs.unwrap_or(c.qat_epochs);
    c.lr = a.lr.unwrap_or(c.lr);
    c.batch = a.batch.unwrap_or(c.batch);
    c.seed = a.seed.unwrap_or(c.seed);
    c.check()?;
    Ok(c)
}

/// A spinner that shows the training stage, epoch and loss.
pub fn stage_bar() -> ProgressBar {
    let bar = ProgressBar::new_spinner().with_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(std::time::Duration::from_millis(200));
    bar
}

pub fn run(a: Args) -> Result<()> {
    let cfg = settings(&a)?;
    let methods: Vec<QuantMethod> = a.methods.iter().map(|m| m.parse()).collect::<Result<_, _>>()?;
    let data = a.data;
    nbq_quant::atomic::check_destination(&a.out, a.force)?;
    let path = a.data_path.clone().unwrap_or_else(|| default_path(data));
    let split = data.load(&path)?;
    let start = match &a.init {
        Some(p) => Some(float_net(p, &split.train)?),
        None => None,
    };
    let bar = stage_bar();
    let mut progress = |stage: &str, e: usize, n: usize, loss: f64| {
        bar.set_message(format!("{stage}: epoch {e}/{n}, loss {loss:.4}"));
    };
    let o = experiment::run(&split, start, &methods, &a.bits, a.act_bits, &cfg, &mut progress)?;
    bar.finish_and_clear();
    let command = std::env::args().collect::<Vec<_>>().join(" ");
    let md = markdown(&o.rows, data.name(), split.test.len(), a.act_bits, &command);
    let arch = &o.float.arch;
    let mut files = vec![
        ("results.md".to_string(), md.clone().into_bytes()),
        ("results.json".to_string(), serde_json::to_vec_pretty(&o.rows)?),
        ("float.safetensors".to_string(), checkpoint::to_bytes(arch, data.name(), &o.float.values()?, None)?),
    ];
    for q in &o.quantized {
        let t = checkpoint::decoded(&q.net);
        files.push((
            format!("{}-{}bit.safetensors", q.method, q.bits),
            checkpoint::to_bytes(arch, data.name(), &t, Some(&q.net))?,
        ));
    }
    nbq_quant::atomic::write_folder(&a.out, &files, a.force)?;
    print!("{md}");
    if let (Some(f), None) = (o.rows.first(), &a.init) {
        println!(
            "\nfloat training: {} epochs of {} images in {:.1} s = {:.0} images/s",
            cfg.epochs,
            split.train.len(),
            f.seconds,
            (cfg.epochs * split.train.len()) as f64 / f.seconds
        );
    }
    println!("\nresults and checkpoints: {}", a.out.display());
    Ok(())
}

/// A float network from a checkpoint, checked against the data.
pub fn float_net(p: &Path, train: &nbq_train::data::Dataset) -> Result<nbq_train::model::Net> {
    let c = checkpoint::load(p)?;
    c.arch.check_data(train).with_context(|| format!("checkpoint '{}'", p.display()))?;
    Ok(nbq_train::model::Net::from_tensors(c.arch, c.tensors)?)
}

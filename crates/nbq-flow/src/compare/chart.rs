//! The comparison as an SVG chart (plotters).

use super::budget::{ALEXNET, DSP_BUDGET, ZCU102_MHZ};
use super::Comparison;
use crate::error::FlowError;

impl Comparison {
    /// An SVG chart: ZCU102 LUTs and FFs of one convolver by array, and AlexNet GOP/s at the DSP budget.
    pub fn svg(&self) -> Result<String, FlowError> {
        use plotters::prelude::*;
        let mut out = String::new();
        {
            let root = SVGBackend::with_string(&mut out, (960, 420)).into_drawing_area();
            let err = |e: &dyn std::fmt::Display| FlowError::Chart(e.to_string());
            root.fill(&WHITE).map_err(|e| err(&e))?;
            let (left, right) = root.split_horizontally(520);
            let n = self.geometry.len();
            let top = self.geometry.iter().map(|v| v.zcu102.lut.max(v.zcu102.ff)).max().unwrap_or(1) as f64 * 1.15;
            let mut ch = ChartBuilder::on(&left)
                .caption("One convolver on the ZCU102 (Yosys)", ("sans-serif", 18))
                .margin(10)
                .x_label_area_size(30)
                .y_label_area_size(50)
                .build_cartesian_2d(0f64..n as f64, 0f64..top)
                .map_err(|e| err(&e))?;
            let labels: Vec<String> = self.geometry.iter().map(|v| v.label.clone()).collect();
            ch.configure_mesh()
                .disable_x_mesh()
                .x_labels(n)
                .x_label_formatter(&|x| labels.get(x.floor() as usize).cloned().unwrap_or_default())
                .y_desc("cells")
                .draw()
                .map_err(|e| err(&e))?;
            for (j, (name, color)) in [("LUT", BLUE), ("FF", RED)].into_iter().enumerate() {
                let bars = self.geometry.iter().enumerate().map(|(i, v)| {
                    let y = if j == 0 { v.zcu102.lut } else { v.zcu102.ff } as f64;
                    let x0 = i as f64 + 0.1 + 0.4 * j as f64;
                    Rectangle::new([(x0, 0.0), (x0 + 0.38, y)], color.filled())
                });
                ch.draw_series(bars)
                    .map_err(|e| err(&e))?
                    .label(name)
                    .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled()));
            }
            ch.configure_series_labels().border_style(BLACK).draw().map_err(|e| err(&e))?;

            let g_top = self.zcu102_budget.iter().flat_map(|b| b.layers.iter().map(|l| l.2)).fold(1.0, f64::max) * 1.15;
            let mut ch2 = ChartBuilder::on(&right)
                .caption(format!("AlexNet at {DSP_BUDGET} DSPs, {ZCU102_MHZ} MHz"), ("sans-serif", 18))
                .margin(10)
                .x_label_area_size(30)
                .y_label_area_size(50)
                .build_cartesian_2d(0f64..ALEXNET.len() as f64, 0f64..g_top)
                .map_err(|e| err(&e))?;
            ch2.configure_mesh()
                .disable_x_mesh()
                .x_labels(ALEXNET.len())
                .x_label_formatter(&|x| ALEXNET.get(x.floor() as usize).map(|l| l.name.to_string()).unwrap_or_default())
                .y_desc("GOP/s")
                .draw()
                .map_err(|e| err(&e))?;
            for (j, (b, color)) in self.zcu102_budget.iter().zip([BLUE, RED]).enumerate() {
                let bars = b.layers.iter().enumerate().map(|(i, l)| {
                    let x0 = i as f64 + 0.1 + 0.4 * j as f64;
                    Rectangle::new([(x0, 0.0), (x0 + 0.38, l.2)], color.filled())
                });
                let label = format!("{} ({}, {})", b.label, b.pn, b.pm);
                ch2.draw_series(bars)
                    .map_err(|e| err(&e))?
                    .label(label)
                    .legend(move |(x, y)| Rectangle::new([(x, y - 5), (x + 10, y + 5)], color.filled()));
            }
            ch2.configure_series_labels().border_style(BLACK).draw().map_err(|e| err(&e))?;
            root.present().map_err(|e| err(&e))?;
        }
        Ok(out)
    }
}

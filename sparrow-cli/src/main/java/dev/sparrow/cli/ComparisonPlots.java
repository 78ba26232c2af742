package dev.sparrow.cli;

import dev.sparrow.train.EpochResult;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The plots of several runs side by side, as {@code sparrow compare} and {@code sparrow demo} draw them into their
 * output folder: the validation accuracy per epoch of every run ({@value #ACCURACY}), and the demo's inference
 * throughput of the dense and the sparse session per batch size ({@value #INFERENCE}). Every series names its
 * method and the sparsity its checkpoint reached.
 */
final class ComparisonPlots {
    static final String ACCURACY = "comparison.png";
    static final String INFERENCE = "inference.png";

    /** One run: what its method is, the sparsity its checkpoint reached, its epochs and its final test accuracy. */
    record Run(String method, double reachedSparsity, List<EpochResult> epochs, double testAccuracy) {
        /** "srigl, 90.0% sparsity: test 85.31%" or "dense: test 86.02%". */
        String label() {
            String what = "dense".equals(method) ? method
                    : String.format(Locale.ROOT, "%s, %.1f%% sparsity", method, 100 * reachedSparsity);
            return String.format(Locale.ROOT, "%s: test %.2f%%", what, 100 * testAccuracy);
        }
    }

    private ComparisonPlots() {}

    /** The validation accuracy per epoch of each run, one line each, into {@code dir}/{@value #ACCURACY}. */
    static Path writeAccuracy(Path dir, String title, List<Run> runs) throws IOException {
        if (runs.isEmpty()) throw new IllegalArgumentException("runs is empty");
        XYChart chart = new XYChartBuilder().width(RunPlots.WIDTH).height(RunPlots.HEIGHT).title(title)
                .xAxisTitle("epoch").yAxisTitle("validation accuracy").build();
        for (Run r : runs) {
            double[] x = new double[r.epochs().size()];
            double[] y = new double[x.length];
            for (int i = 0; i < x.length; i++) {
                x[i] = r.epochs().get(i).epoch();
                y[i] = r.epochs().get(i).valAccuracy();
            }
            chart.addSeries(r.label(), x, y);
        }
        chart.getStyler().setDecimalPattern("#0.###");
        return PngFiles.save(chart, dir.resolve(ACCURACY));
    }

    /**
     * The demo's inference timing: samples per second of the dense and the sparse session at each batch size,
     * into {@code dir}/{@value #INFERENCE}; {@code title} names the model, method and sparsity.
     */
    static Path writeInference(Path dir, String title, List<ModelBench.Row> rows) throws IOException {
        if (rows.isEmpty()) throw new IllegalArgumentException("rows is empty");
        CategoryChart chart = new CategoryChartBuilder().width(RunPlots.WIDTH).height(RunPlots.HEIGHT).title(title)
                .xAxisTitle("batch size").yAxisTitle("samples per second").build();
        List<String> batches = new ArrayList<>();
        List<Number> dense = new ArrayList<>();
        List<Number> sparse = new ArrayList<>();
        for (ModelBench.Row r : rows) {
            batches.add(String.format(Locale.ROOT, "%d (%.2fx)", r.batch(), r.speedup()));
            dense.add(r.denseSamplesPerSecond());
            sparse.add(r.sparseSamplesPerSecond());
        }
        chart.addSeries("dense session", batches, dense);
        chart.addSeries("sparse session", batches, sparse);
        chart.getStyler().setDecimalPattern("#,##0");
        return PngFiles.save(chart, dir.resolve(INFERENCE));
    }
}

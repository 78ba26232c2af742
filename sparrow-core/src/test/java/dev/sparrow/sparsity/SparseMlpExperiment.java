package dev.sparrow.sparsity;

import dev.sparrow.data.Dataset;
import dev.sparrow.data.FashionMnist;
import dev.sparrow.io.Checkpoint;
import dev.sparrow.nn.Layer;
import dev.sparrow.nn.Modules;
import dev.sparrow.nn.Parameter;
import dev.sparrow.nn.models.ModelZoo;
import dev.sparrow.train.TrainConfig;
import dev.sparrow.train.TrainListener;
import dev.sparrow.train.TrainingRun;

import java.nio.file.Path;
import java.util.List;

/**
 * Not a test: a driver for the Fashion-MNIST MLP runs of the reference table (784-300-100-10, hidden
 * layers sparse at 90% each, output dense; SGD momentum 0.9, lr 0.05 cosine, wd 5e-4, batch 128).
 * Args: method sparsityOfHidden epochs threads outDir [gammaSal] [ablation] [seed].
 */
public final class SparseMlpExperiment {
    public static void main(String[] args) throws Exception {
        String method = args[0];
        double hidden = Double.parseDouble(args[1]);
        int epochs = Integer.parseInt(args[2]);
        int threads = Integer.parseInt(args[3]);
        Path out = Path.of(args[4]);
        double gamma = args.length > 5 ? Double.parseDouble(args[5]) : 0.3;
        boolean ablation = args.length <= 6 || Boolean.parseBoolean(args[6]);
        long seed = args.length > 7 ? Long.parseLong(args[7]) : 42;
        // global sparsity that puts exactly `hidden` on the two hidden layers with the output (1,000) dense
        double global = hidden * 265_200 / 266_200;
        SparsityConfig s = method.equals("dense") ? SparsityConfig.DENSE
                : method.equals("set") // SET as in the reference: zeta 0.3 after every epoch (469 steps of 128)
                ? new SparsityConfig(method, global, "uniform", false, true, 469, 1.0, 0.3, ablation, gamma, true)
                : new SparsityConfig(method, global, "uniform", false, true, 100, 0.75, 0.3, ablation, gamma, true);
        TrainConfig config = new TrainConfig("mlp", TrainConfig.DATASET_FASHION_MNIST, null, epochs, 128, "sgd", 0.05, 0.9,
                false, 5e-4, "cosine", 0, 0, false, seed, threads, s);
        Dataset train = FashionMnist.load(FashionMnist.Split.TRAIN, null);
        Dataset test = FashionMnist.load(FashionMnist.Split.TEST, null);
        TrainingRun.Outcome o = TrainingRun.run(config, new TrainingRun.Data(train, test, FashionMnist.MEAN, FashionMnist.STD),
                out, null, TrainListener.NONE);
        Layer model = ModelZoo.create("mlp", new int[] {1, 28, 28}, 10, 1);
        Checkpoint.read(o.checkpoint()).restoreInto(model);
        StringBuilder layers = new StringBuilder();
        List<LayerBudget> sparse = SparsityBudget.sparsifiable(Modules.namedParameters(model));
        for (LayerBudget l : sparse) {
            Parameter p = l.parameter();
            int active = p.hasMask() ? p.mask().activeCount() : p.size();
            layers.append(String.format(" %s %d/%d neurons %d", l.name(), active, p.size(), SRigL.activeNeurons(l)));
        }
        System.out.printf("RESULT method=%s gamma=%s ablation=%s seed=%d hidden=%.2f test_acc=%.4f best=%.4f secs=%.1f%s%n",
                method, gamma, ablation, seed, hidden, o.testAccuracy(),
                o.epochs().stream().mapToDouble(e -> e.valAccuracy()).max().orElse(0), 
                o.epochs().stream().mapToDouble(e -> e.seconds()).sum(), layers);
    }
}

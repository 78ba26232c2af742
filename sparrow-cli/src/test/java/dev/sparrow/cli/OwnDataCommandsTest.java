package dev.sparrow.cli;

import dev.sparrow.io.Checkpoint;
import dev.sparrow.io.ModelSpec;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;

/** 'sparrow train' on your own data (an image folder, a CSV file) and 'sparrow predict' on what it wrote. */
class OwnDataCommandsTest {

    /** Two classes of 8 x 8 gray images: dark and light, with noise. */
    static Path imageFolder(Path dir, int perClass) throws IOException {
        SplittableRandom rnd = new SplittableRandom(7);
        for (String cls : new String[] {"dark", "light"}) {
            Path d = Files.createDirectories(dir.resolve(cls));
            for (int i = 0; i < perClass; i++) image(d.resolve(cls + i + ".png"), 8, 8, "light".equals(cls) ? 200 : 40, rnd);
        }
        return dir;
    }

    static void image(Path file, int w, int h, int level, SplittableRandom rnd) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_BYTE_GRAY);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int v = Math.clamp(level + rnd.nextInt(-30, 31), 0, 255);
                img.getRaster().setSample(x, y, 0, v);
            }
        }
        ImageIO.write(img, "png", file.toFile());
    }

    @Test
    void trainsOnAnImageFolderAndPredictsItsClasses(@TempDir Path tmp) throws IOException {
        Path data = imageFolder(tmp.resolve("images"), 30);
        Path run = tmp.resolve("run");
        SparrowCliTest.Run t = SparrowCliTest.run("train", "--data", data.toString(), "--epochs", "3", "--batch-size", "8",
                "--threads", "1", "--no-progress", "-o", run.toString());
        assertThat(t.exit()).as(t.err()).isZero();
        ModelSpec spec = Checkpoint.read(run.resolve("checkpoint.safetensors")).modelSpec().orElseThrow();
        assertThat(spec.classNames()).containsExactly("dark", "light");
        assertThat(spec.sampleShape()).containsExactly(1, 8, 8);

        // a bigger image than the model's input is resized
        Path probe = tmp.resolve("probe.png");
        image(probe, 16, 16, 210, new SplittableRandom(1));
        SparrowCliTest.Run p = SparrowCliTest.run("predict", run.resolve("checkpoint.safetensors").toString(), probe.toString());
        assertThat(p.exit()).as(p.err()).isZero();
        assertThat(p.out()).contains("probe.png: light");

        SparrowCliTest.Run j = SparrowCliTest.run("predict", "--json", run.resolve("checkpoint.safetensors").toString(), probe.toString());
        assertThat(j.out()).contains("\"class\":\"light\"").contains("\"top\":[");
    }

    @Test
    void trainsOnACsvFileAndPredictsItsRowsRawAndAsJson(@TempDir Path tmp) throws IOException {
        StringBuilder csv = new StringBuilder("a,b,species\n");
        SplittableRandom rnd = new SplittableRandom(3);
        for (int i = 0; i < 120; i++) {
            boolean big = i % 2 == 0;
            csv.append(String.format(java.util.Locale.ROOT, "%.3f,%.3f,%s%n", (big ? 5 : 1) + rnd.nextDouble(),
                    (big ? 4 : 0) + rnd.nextDouble(), big ? "big" : "small"));
        }
        Path file = Files.writeString(tmp.resolve("data.csv"), csv);
        Path run = tmp.resolve("run");
        SparrowCliTest.Run t = SparrowCliTest.run("train", "--data", file.toString(), "--label-column", "species", "--epochs", "4",
                "--batch-size", "16", "--threads", "1", "--no-progress", "-o", run.toString());
        assertThat(t.exit()).as(t.err()).isZero();
        Path rows = Files.writeString(tmp.resolve("rows.csv"), "a,b\n5.5,4.5\n1.2,0.3\n");
        String ckpt = run.resolve("checkpoint.safetensors").toString();
        SparrowCliTest.Run p = SparrowCliTest.run("predict", ckpt, rows.toString());
        assertThat(p.exit()).as(p.err()).isZero();
        assertThat(p.out()).contains("rows.csv:1: big").contains("rows.csv:2: small");
        SparrowCliTest.Run raw = SparrowCliTest.run("predict", "--raw", ckpt, rows.toString());
        assertThat(raw.out().strip().lines()).hasSize(2).allMatch(l -> l.matches("\\[-?[0-9.E-]+,-?[0-9.E-]+]"));
    }

    @Test
    void csvFeaturesAreNormalisedEachOnItsOwnScaleAndTheCheckpointSaysSo(@TempDir Path tmp) throws IOException {
        // the class is the sign of 'small' (scale 1) beside 'big' (around 1000, scale 50): one mean and std over both
        // would squash 'small' to a constant, one per feature keeps it
        long seed = 17;
        SplittableRandom rnd = new SplittableRandom(seed);
        StringBuilder csv = new StringBuilder("big,small,label\n");
        for (int i = 0; i < 300; i++) {
            double small = rnd.nextDouble(-1, 1);
            csv.append(String.format(java.util.Locale.ROOT, "%.3f,%.4f,%s%n", 1000 + 50 * rnd.nextDouble(-1, 1), small,
                    small > 0 ? "up" : "down"));
        }
        Path file = Files.writeString(tmp.resolve("scales.csv"), csv);
        Path run = tmp.resolve("run");
        SparrowCliTest.Run t = SparrowCliTest.run("train", "--data", file.toString(), "--epochs", "5", "--threads", "1",
                "--no-progress", "--seed", Long.toString(seed), "-o", run.toString());
        assertThat(t.exit()).as(t.err()).isZero();
        Object accuracy = dev.sparrow.util.Json.parseObject(Files.readString(run.resolve("summary.json")), dev.sparrow.util.Json.Limits.of(1 << 20)).get("test_accuracy");
        assertThat(((Number) accuracy).doubleValue()).as("seed %d", seed).isGreaterThan(0.9);
        dev.sparrow.io.ModelSpec spec = dev.sparrow.infer.InferenceSession.loadModel(run.resolve("checkpoint.safetensors")).spec();
        assertThat(spec.mean()).hasSize(2);
        assertThat(spec.mean()[0]).isBetween(950f, 1050f);
        assertThat(spec.std()[1]).isBetween(0.4f, 0.8f);

        // .npy rows go through the same per-feature normalisation: (1000, 0.9) is up, (1000, -0.9) down
        java.nio.ByteBuffer rows = java.nio.ByteBuffer.allocate(16).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        rows.putFloat(1000f).putFloat(0.9f).putFloat(1000f).putFloat(-0.9f);
        Path npyRows = npy(tmp.resolve("rows.npy"), "<f4", "(2, 2)", rows.array());
        SparrowCliTest.Run p = SparrowCliTest.run("predict", run.resolve("checkpoint.safetensors").toString(), npyRows.toString());
        assertThat(p.exit()).as(p.err()).isZero();
        assertThat(p.out()).contains("rows.npy:1: up").contains("rows.npy:2: down");
    }

    @Test
    void badDataGetsOneClearError(@TempDir Path tmp) throws IOException {
        Path mixed = imageFolder(tmp.resolve("mixed"), 3);
        image(mixed.resolve("dark").resolve("odd.png"), 9, 8, 40, new SplittableRandom(1));
        SparrowCliTest.Run r = SparrowCliTest.run("train", "--data", mixed.toString(), "--epochs", "1", "-o", tmp.resolve("r1").toString());
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("odd.png").contains("9 x 8").contains("one size and mode");
        assertThat(tmp.resolve("r1")).doesNotExist();

        Path csv = Files.writeString(tmp.resolve("bad.csv"), "x,label\n1.0,a\nfoo,b\n");
        SparrowCliTest.Run c = SparrowCliTest.run("train", "--data", csv.toString(), "--epochs", "1", "-o", tmp.resolve("r2").toString());
        assertThat(c.exit()).isEqualTo(2);
        assertThat(c.err()).contains("bad.csv, line 3, column 1 ('x'): 'foo' is not a number");
    }

    /** A version 1.0 .npy file: magic, header padded to 64 bytes, then {@code data} as is. */
    private static Path npy(Path file, String dtype, String shape, byte[] data) throws IOException {
        String header = "{'descr': '" + dtype + "', 'fortran_order': False, 'shape': " + shape + ", }";
        header = header + " ".repeat(63 - (10 + header.length()) % 64) + "\n";
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0});
        out.write(header.length() & 0xff);
        out.write(header.length() >> 8);
        out.write(header.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        out.write(data);
        return Files.write(file, out.toByteArray());
    }

    @Test
    void everyBadInputOfTheIssueIsOneClearLineAndLeavesNoRunFolder(@TempDir Path tmp) throws IOException {
        Path modes = imageFolder(tmp.resolve("modes"), 2);
        BufferedImage rgb = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        ImageIO.write(rgb, "png", modes.resolve("light").resolve("colour.png").toFile());
        Path empty = imageFolder(tmp.resolve("empty"), 2);
        Files.createDirectories(empty.resolve("nothing"));
        Path missing = Files.writeString(tmp.resolve("missing.csv"), "a,b,label\n1,2,x\n3,,y\n");
        Path text = Files.writeString(tmp.resolve("text.csv"), "a,b,label\n1,2,x\n3,four,y\n");
        Path train = Files.writeString(tmp.resolve("train.csv"), "a,label\n1,x\n2,y\n3,x\n4,y\n5,x\n6,y\n7,x\n8,y\n9,x\n10,y\n11,x\n");
        Path unknown = Files.writeString(tmp.resolve("test.csv"), "a,label\n1,x\n2,z\n");
        Path complex = npy(tmp.resolve("c.npy"), "<c8", "(2, 1)", new byte[16]);
        Path features = npy(tmp.resolve("x.npy"), "<f4", "(3, 1)", new byte[12]);
        Path labels = npy(tmp.resolve("y.npy"), "|u1", "(2,)", new byte[] {0, 1});
        Path labels3 = npy(tmp.resolve("y3.npy"), "|u1", "(3,)", new byte[] {0, 1, 0});
        String[][] cases = {
                {"--data " + modes, "colour.png: RGB 8 x 8 but", "one size and mode"},
                {"--data " + empty, "nothing: class folder has no PNG, JPEG or GIF images"},
                {"--data " + missing, "missing.csv, line 3, column 2 ('b'): missing value"},
                {"--data " + text, "text.csv, line 3, column 2 ('b'): 'four' is not a number"},
                {"--data " + train + " --test-data " + unknown, "test.csv, line 3, column 2 ('label'): label 'z' is not one of the classes [x, y]"},
                {"--data " + complex + " --labels " + labels, "c.npy: dtype '<c8' is not supported"},
                {"--data " + features + " --labels " + labels, "y.npy: shape [2] does not match the 3 examples of ", "x.npy; expected (3,)"},
                {"--data " + features + " --labels " + labels3 + " --test-data " + features + " --test-labels " + npy(tmp.resolve("y5.npy"),
                        "|u1", "(3,)", new byte[] {0, 5, 1}), "y5.npy: label 5 at index 1 is outside the 2 classes"},
        };
        int i = 0;
        for (String[] c : cases) {
            Path out = tmp.resolve("run" + i++);
            List<String> args = new java.util.ArrayList<>(List.of("train", "--epochs", "1", "-o", out.toString()));
            args.addAll(List.of(c[0].split(" ")));
            SparrowCliTest.Run r = SparrowCliTest.run(args.toArray(String[]::new));
            assertThat(r.exit()).as(c[0]).isEqualTo(2);
            assertThat(r.err().strip().lines()).as(c[0]).hasSize(1);
            for (int k = 1; k < c.length; k++) assertThat(r.err()).as(c[0]).contains(c[k]);
            assertThat(out).as(c[0]).doesNotExist();
        }
    }

    @Test
    void versionIsTheBuildsAndHelpHasNoFormatWarning() {
        SparrowCliTest.Run v = SparrowCliTest.run("--version");
        assertThat(v.out()).startsWith("sparrow 0.").doesNotContain("dev (");
        SparrowCliTest.Run h = SparrowCliTest.run("demo", "--help");
        assertThat(h.out()).contains("(SRigL, 90%").doesNotContain("%%");
        assertThat(h.err()).isEmpty();
    }

    @Test
    void topLevelHelpFitsEightyColumnsAndSumsUpEachCommandInWholeSentences() {
        CommandLine cl = SparrowCli.newCommandLine();
        cl.setUsageHelpWidth(80);
        java.io.StringWriter out = new java.io.StringWriter();
        cl.usage(new java.io.PrintWriter(out, true));
        String help = out.toString();
        List<String> lines = help.lines().toList();
        assertThat(lines).allSatisfy(l -> assertThat(l.length()).as(l).isLessThanOrEqualTo(80));
        // each command's summary: its name's line and the indented lines after it, up to the next command
        String commands = help.substring(help.indexOf("Commands:") + "Commands:".length());
        for (String summary : commands.split("\\n(?=  \\S)")) {
            String text = summary.strip().replaceAll("\\s+", " ");
            if (text.isEmpty()) continue;
            assertThat(text).as("summary of '%s'", text.split(" ")[0]).endsWith(".");
        }
    }

    @Test
    void noCommandsHelpMakesPicocliWarnAboutAFormat() {
        // picocli formats descriptions with String.format: a lone '%' ("90% sparse") makes it print a warning to System.err
        java.io.PrintStream saved = System.err;
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        List<String> seen = new java.util.ArrayList<>();
        try {
            System.setErr(new java.io.PrintStream(err, true, java.nio.charset.StandardCharsets.UTF_8));
            java.util.ArrayDeque<CommandLine> todo = new java.util.ArrayDeque<>(List.of(SparrowCli.newCommandLine()));
            while (!todo.isEmpty()) {
                CommandLine c = todo.pop();
                seen.add(c.getCommandSpec().qualifiedName());
                c.usage(new java.io.PrintWriter(new java.io.StringWriter()));
                todo.addAll(c.getSubcommands().values());
            }
        } finally {
            System.setErr(saved);
        }
        assertThat(seen).contains("sparrow train", "sparrow bench kernels");
        assertThat(err.toString(java.nio.charset.StandardCharsets.UTF_8)).isEmpty();
    }
}

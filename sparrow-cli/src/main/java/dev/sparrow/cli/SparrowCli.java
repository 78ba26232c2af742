package dev.sparrow.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code sparrow} command. */
@Command(name = "sparrow",
        mixinStandardHelpOptions = true,
        versionProvider = SparrowCli.Version.class,
        description = "Sparse neural networks on the JVM: train them sparse, run them fast.",
        subcommands = {DemoCommand.class, TrainCommand.class, PredictCommand.class, CompareCommand.class, EvalCommand.class, InspectCommand.class, PruneCommand.class,
                ExportCommand.class, ImportCommand.class,
                ReportCommand.class, BenchCommand.class,
                CommandLine.HelpCommand.class})
public final class SparrowCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(newCommandLine().execute(args));
    }

    /** The configured command line, shared by main and tests. */
    public static CommandLine newCommandLine() {
        CommandLine cl = new CommandLine(new SparrowCli());
        cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            if (ex instanceof java.io.UncheckedIOException u && u.getCause() != null) ex = u.getCause();
            // every expected failure (bad input, a file, a disk, a diverged run) is one line, not a stack trace
            if (ex instanceof UserInputException || ex instanceof IllegalArgumentException
                    || ex instanceof java.io.IOException || ex instanceof dev.sparrow.train.TrainingDivergedException) {
                // the qualified name, e.g. "sparrow bench kernels", for subcommands of subcommands
                String message = ex instanceof dev.sparrow.data.DatasetNotFoundException missing
                        ? ApiFlags.inFlags(missing.getMessage(), "dataDir")
                        : ex instanceof java.io.IOException io ? CliFiles.describe(io, null) : ApiFlags.message(ex);
                commandLine.getErr().println(commandLine.getCommandSpec().qualifiedName() + ": " + message);
                return 2;
            }
            throw ex;
        });
        return cl;
    }

    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = SparrowCli.class.getPackage().getImplementationVersion();
            if (v == null) v = fromResource();
            return new String[] {"sparrow " + (v == null ? "dev" : v) + " (Java " + Runtime.version() + ")"};
        }

        /** The build's version, filtered into version.properties by Maven (the class path has no manifest version). */
        static String fromResource() {
            try (java.io.InputStream in = SparrowCli.class.getResourceAsStream("version.properties")) {
                if (in == null) return null;
                java.util.Properties p = new java.util.Properties();
                p.load(in);
                String v = p.getProperty("version");
                return v == null || v.startsWith("${") ? null : v;
            } catch (java.io.IOException e) {
                return null;
            }
        }
    }
}

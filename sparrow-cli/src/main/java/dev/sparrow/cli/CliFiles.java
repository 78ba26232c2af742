package dev.sparrow.cli;

import dev.sparrow.train.RunDirectory;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** Files named on the command line: why one cannot be read, and run folders that must not be overwritten by surprise. */
final class CliFiles {
    /** What a run writes into its folder; --overwrite removes them all, so no plot of an older run stays behind. */
    static final List<String> RUN_FILES = List.of(RunDirectory.CHECKPOINT, RunDirectory.METRICS, RunDirectory.SUMMARY,
            RunPlots.ACCURACY, RunPlots.LOSS, RunPlots.SPARSITY, ConfusionMatrix.PNG);

    private CliFiles() {}

    /**
     * One line saying why a file could not be read: "no such file", "is a directory", "permission denied",
     * rather than the bare path that {@link NoSuchFileException#getMessage()} gives.
     */
    static String describe(IOException e, Path fallback) {
        if (e instanceof FileSystemException f) {
            String file = f.getFile() != null ? f.getFile() : String.valueOf(fallback);
            if (f instanceof NoSuchFileException) return file + ": no such file";
            if (f instanceof AccessDeniedException) return file + ": permission denied";
            if (f instanceof NotDirectoryException) return file + ": not a directory";
            String reason = f.getReason();
            if (reason != null) return file + ": " + reason.toLowerCase(Locale.ROOT);
        }
        String m = e.getMessage();
        // an I/O error of a read on a folder ("Is a directory") carries no path
        if (fallback != null && m != null && !m.contains(fallback.toString())) return fallback + ": " + m.toLowerCase(Locale.ROOT);
        return m;
    }

    /** Fails with one line unless {@code file} is a readable regular file; {@code what} names the option or parameter. */
    static void requireFile(Path file, String what) {
        String why = whyUnreadable(file);
        if (why != null) throw new UserInputException(what + " " + file + ": " + why);
    }

    /** Null for a readable regular file, else "no such file", "is a directory" or "permission denied". */
    static String whyUnreadable(Path file) {
        if (!Files.exists(file)) {
            Path parent = file.toAbsolutePath().getParent();
            return parent != null && !Files.isDirectory(parent) ? "no such file (folder " + parent + " does not exist)" : "no such file";
        }
        if (Files.isDirectory(file)) return "is a directory; expected a file";
        if (!Files.isReadable(file)) return "permission denied";
        return null;
    }

    /** True when {@code dir} holds what a run writes (a checkpoint, metrics or a summary). */
    static boolean isRunFolder(Path dir) {
        return Files.isDirectory(dir) && (Files.exists(dir.resolve(RunDirectory.CHECKPOINT))
                || Files.exists(dir.resolve(RunDirectory.METRICS)) || Files.exists(dir.resolve(RunDirectory.SUMMARY)));
    }

    /**
     * Before a run writes into {@code out}: an existing run folder is refused unless {@code overwrite} (then its
     * files are removed, plots included) or it is the folder of the checkpoint being resumed.
     */
    static void claimRunFolder(Path out, Path resume, boolean overwrite) throws IOException {
        if (Files.exists(out) && !Files.isDirectory(out)) throw new UserInputException("--output " + out + " is a file; expected a folder");
        if (!isRunFolder(out)) return;
        if (resume != null) {
            Path parent = resume.toAbsolutePath().getParent();
            if (parent != null && Files.exists(parent) && Files.isSameFile(parent, out)) return;
        }
        if (!overwrite) {
            throw new UserInputException("--output " + out + " already holds a run"
                    + (resume != null ? " other than the one --resume continues" : "")
                    + "; give --overwrite to replace it" + (resume == null ? ", or --resume " + out.resolve(RunDirectory.CHECKPOINT) + " to continue it" : "")
                    + ", or another --output");
        }
        for (String name : RUN_FILES) Files.deleteIfExists(out.resolve(name));
    }
}

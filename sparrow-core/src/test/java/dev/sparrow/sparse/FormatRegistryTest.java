package dev.sparrow.sparse;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class FormatRegistryTest {

    @Test
    void specsParseOrFailNamingTheSpec() {
        assertThat(FormatRegistry.parse("nm2:16").structure()).isEqualTo(new Structure.NOfM(2, 16));
        assertThat(FormatRegistry.parse("block16").structure()).isEqualTo(new Structure.Blocks(16, 1));
        assertThat(FormatRegistry.parse("condensed").structure()).isEqualTo(new Structure.ConstantFanIn());
        assertThatThrownBy(() -> FormatRegistry.parse("coo")).hasMessage(
                "unknown format 'coo'; expected csr, csc, condensed, block4, block16, nmN:M, bankW or complementaryN");
        assertThatThrownBy(() -> FormatRegistry.parse("nm9:8")).hasMessage("format 'nm9:8' needs 1 <= N <= M <= 256");
        assertThatThrownBy(() -> FormatRegistry.parse("nm1:99999")).hasMessageContaining("needs 1 <= N <= M <= 256");
        assertThatThrownBy(() -> FormatRegistry.parse("block8")).hasMessageContaining("block height of 4 or 16");
        assertThatThrownBy(() -> FormatRegistry.parse("bank0")).hasMessageContaining("bank width in [1, 256]");
        assertThatThrownBy(() -> FormatRegistry.parse("complementary300")).hasMessageContaining("group size in [1, 256]");
    }

    @Test
    void theListsEachUserReadsComeFromTheFamilies() {
        assertThat(FormatRegistry.tunedByDefault())
                .containsExactly("csr", "csc", "condensed", "block4", "block16", "nm1:8", "nm2:16", "nm2:4", "bank16");
        assertThat(FormatRegistry.benchmarkSpecs(0.9)).containsExactly(
                "csr", "csc", "condensed", "block4", "block16", "nm1:8", "nm2:16", "bank16", "complementary10");
        assertThat(SparseFormats.EXAMPLES).isEqualTo(FormatRegistry.benchmarkSpecs(0.9));
        for (String spec : FormatRegistry.testSpecs()) assertThat(FormatRegistry.parse(spec).spec()).isEqualTo(spec);
    }

    /** The fit check says yes exactly when the build succeeds, on masks of every structure. */
    @Test
    void theFitCheckAgreesWithTheBuild() {
        SplittableRandom rnd = new SplittableRandom(5);
        List<boolean[]> masks = new java.util.ArrayList<>();
        for (String spec : FormatRegistry.benchmarkSpecs(0.9)) masks.add(FormatMasks.forSpec(spec, 0.9, 33, 48, rnd));
        masks.add(FormatMasks.forSpec("nm2:4", 0.5, 33, 48, rnd));
        for (String spec : FormatRegistry.testSpecs()) {
            FormatSpec format = FormatRegistry.parse(spec);
            for (boolean[] mask : masks) {
                MaskedWeights w = MaskedWeights.of(new float[33 * 48], mask, 33, 48, "t");
                boolean built;
                try {
                    format.build(w);
                    built = true;
                } catch (UnsupportedMaskException e) {
                    built = false;
                }
                assertThat(format.canRepresent(w)).as(spec).isEqualTo(built);
            }
        }
    }

    @Test
    void aDeclaredStructureSelectsTheFormatsThatHoldIt() {
        assertThat(FormatRegistry.parse("csr").canRepresent(new Structure.NOfM(1, 8))).isTrue();
        assertThat(FormatRegistry.parse("nm2:16").canRepresent(new Structure.NOfM(1, 8))).isTrue();
        assertThat(FormatRegistry.parse("nm1:16").canRepresent(new Structure.NOfM(1, 8))).isFalse();
        assertThat(FormatRegistry.parse("nm2:4").canRepresent(new Structure.NOfM(1, 8))).isFalse();
        assertThat(FormatRegistry.parse("block4").canRepresent(new Structure.Blocks(16, 1))).isTrue();
        assertThat(FormatRegistry.parse("block16").canRepresent(new Structure.Blocks(4, 1))).isFalse();
        assertThat(FormatRegistry.parse("complementary2").canRepresent(new Structure.Complementary(10))).isTrue();
        assertThat(FormatRegistry.parse("condensed").canRepresent(Structure.UNSTRUCTURED)).isFalse();
        assertThat(FormatRegistry.parse("condensed").canRepresent(new Structure.ConstantFanIn())).isTrue();
    }

    @Test
    void aModuleCanAddAFormat() {
        String name = "registrytestcsr";
        if (FormatRegistry.formats().stream().noneMatch(f -> f.name().equals(name))) {
            // tuned, benchmarked and tested by nobody, so the other tests in this JVM see no difference
            FormatRegistry.register(new SparseFormat(name, name, Pattern.compile(name),
                    (spec, p) -> new FormatSpec(spec, Structure.UNSTRUCTURED, w -> true, Csr::from),
                    List.of(), sparsity -> List.of(), List.of()));
        }
        MaskedWeights w = MaskedWeights.of(new float[] {1, 2, 3, 4}, new boolean[] {true, false, false, true}, 2, 2, "t");
        assertThat(SparseFormats.build(name, w).nnz()).isEqualTo(2);
        assertThatThrownBy(() -> FormatRegistry.register(FormatRegistry.formats().getFirst()))
                .hasMessageContaining("already registered");
    }
}

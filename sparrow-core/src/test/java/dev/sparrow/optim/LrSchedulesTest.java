package dev.sparrow.optim;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class LrSchedulesTest {

    @Test
    void constantIsTheSameEverywhere() {
        LrSchedule s = LrSchedules.constant(0.1f);
        assertThat(s.at(0, 100)).isEqualTo(0.1f);
        assertThat(s.at(99, 100)).isEqualTo(0.1f);
    }

    @Test
    void stepDecayMultipliesByGammaEveryInterval() {
        LrSchedule s = LrSchedules.step(1f, 10, 0.5f);
        assertThat(s.at(0, 100)).isEqualTo(1f);
        assertThat(s.at(9, 100)).isEqualTo(1f);
        assertThat(s.at(10, 100)).isEqualTo(0.5f);
        assertThat(s.at(29, 100)).isEqualTo(0.25f);
        assertThat(s.at(30, 100)).isEqualTo(0.125f);
    }

    @Test
    void stepDecayInEpochsCountsEpochsOfSteps() {
        LrSchedule s = LrSchedules.stepEpochs(0.8f, 2, 100, 0.5f);
        assertThat(s.at(199, 1000)).isEqualTo(0.8f);
        assertThat(s.at(200, 1000)).isEqualTo(0.4f);
        assertThat(s.at(400, 1000)).isEqualTo(0.2f);
    }

    @Test
    void cosineGoesFromBaseToMinimum() {
        LrSchedule s = LrSchedules.cosine(1f, 0.2f);
        assertThat(s.at(0, 100)).isEqualTo(1f);
        assertThat(s.at(50, 100)).isEqualTo(0.6f);
        assertThat(s.at(100, 100)).isEqualTo(0.2f);
        // (1 + cos(pi/4)) / 2 = 0.853553...
        assertThat(s.at(25, 100)).isEqualTo((float) (0.2 + 0.8 * (1 + Math.cos(Math.PI / 4)) / 2));
        assertThat(LrSchedules.cosine(2f, 0f).at(50, 100)).isEqualTo(1f);
    }

    @Test
    void warmupRampsLinearlyThenFollowsTheInnerScheduleUnshifted() {
        LrSchedule s = LrSchedules.warmup(4, LrSchedules.step(1f, 10, 0.5f));
        assertThat(s.at(0, 100)).isEqualTo(0.25f);
        assertThat(s.at(1, 100)).isEqualTo(0.5f);
        assertThat(s.at(2, 100)).isEqualTo(0.75f);
        assertThat(s.at(3, 100)).isEqualTo(1f);
        assertThat(s.at(4, 100)).isEqualTo(1f);
        assertThat(s.at(10, 100)).isEqualTo(0.5f);
        assertThat(LrSchedules.warmup(0, LrSchedules.constant(3f))).isEqualTo(LrSchedules.constant(3f));
    }

    @Test
    void parseBuildsEachScheduleWithWarmup() {
        assertThat(LrSchedules.parse("constant", 0.1f, 0, 469)).isEqualTo(new LrSchedules.Constant(0.1f));
        assertThat(LrSchedules.parse(" Cosine ", 0.1f, 0, 469)).isEqualTo(new LrSchedules.Cosine(0.1f, 0f));
        assertThat(LrSchedules.parse("cosine:0.001", 0.1f, 0, 469)).isEqualTo(new LrSchedules.Cosine(0.1f, 0.001f));
        assertThat(LrSchedules.parse("step:30:0.1", 0.1f, 0, 469)).isEqualTo(new LrSchedules.StepDecay(0.1f, 30 * 469, 0.1f));
        assertThat(LrSchedules.parse("step:5000s:0.5", 0.1f, 0, 469)).isEqualTo(new LrSchedules.StepDecay(0.1f, 5000, 0.5f));
        LrSchedule warm = LrSchedules.parse("cosine", 1f, 10, 469);
        assertThat(warm).isEqualTo(new LrSchedules.Warmup(10, new LrSchedules.Cosine(1f, 0f)));
        assertThat(warm.at(4, 1_000_000)).isEqualTo(0.5f);
    }

    @Test
    void parseErrorsSayWhatIsExpected() {
        assertThatThrownBy(() -> LrSchedules.parse("linear", 0.1f, 0, 10))
                .hasMessageStartingWith("unknown lr schedule 'linear': expected 'constant', 'cosine'");
        assertThatThrownBy(() -> LrSchedules.parse("step:30", 0.1f, 0, 10)).hasMessageContaining("unknown lr schedule 'step:30'");
        assertThatThrownBy(() -> LrSchedules.parse("step:x:0.1", 0.1f, 0, 10))
                .hasMessageContaining("number of epochs 'x' is not a whole number");
        assertThatThrownBy(() -> LrSchedules.parse("step:30:abc", 0.1f, 0, 10)).hasMessageContaining("GAMMA 'abc' is not a number");
        assertThatThrownBy(() -> LrSchedules.parse("step:30:2", 0.1f, 0, 10)).hasMessageContaining("gamma must be in (0, 1]");
        assertThatThrownBy(() -> LrSchedules.parse("cosine:0.5", 0.1f, 0, 10)).hasMessageContaining("minLr 0.5 is above lr 0.1");
        assertThatThrownBy(() -> LrSchedules.parse("constant", 0.1f, -1, 10)).hasMessageContaining("warmupSteps");
        assertThatThrownBy(() -> LrSchedules.constant(0.1f).at(-1, 10)).hasMessageContaining("step must be >= 0");
    }
}

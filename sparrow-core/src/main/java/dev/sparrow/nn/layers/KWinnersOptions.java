package dev.sparrow.nn.layers;

/**
 * The tunables of k-winners-take-all besides its density, with Numenta's names (nupic.torch).
 *
 * @param kInferenceFactor    at evaluation floor(k × this) units win (Numenta: 1.0–1.5; more winners
 *                            at test time make the network more robust to noise)
 * @param boostStrength       β at the start of training; 0 turns boosting off
 * @param boostStrengthFactor β is multiplied by this at the end of every epoch (0.85–0.9)
 * @param dutyCyclePeriod     samples over which a unit's duty cycle (its winning rate) is averaged
 */
public record KWinnersOptions(double kInferenceFactor, double boostStrength, double boostStrengthFactor, int dutyCyclePeriod) {

    public KWinnersOptions {
        if (!(kInferenceFactor > 0) || Double.isInfinite(kInferenceFactor)) {
            throw new IllegalArgumentException("kInferenceFactor must be finite and > 0, got " + kInferenceFactor);
        }
        if (!(boostStrength >= 0) || Double.isInfinite(boostStrength)) {
            throw new IllegalArgumentException("boostStrength must be finite and >= 0, got " + boostStrength);
        }
        if (!(boostStrengthFactor >= 0 && boostStrengthFactor <= 1)) {
            throw new IllegalArgumentException("boostStrengthFactor must be in [0, 1], got " + boostStrengthFactor);
        }
        if (dutyCyclePeriod < 1) throw new IllegalArgumentException("dutyCyclePeriod must be >= 1, got " + dutyCyclePeriod);
    }

    /** k_inference_factor 1.5, boost strength 1.5 decaying ×0.9 per epoch, duty-cycle period 1000 (Numenta's sparse MNIST/GSC nets). */
    public static KWinnersOptions defaults() {
        return new KWinnersOptions(1.5, 1.5, 0.9, 1000);
    }

    public KWinnersOptions withKInferenceFactor(double f) {
        return new KWinnersOptions(f, boostStrength, boostStrengthFactor, dutyCyclePeriod);
    }

    public KWinnersOptions withBoost(double strength, double factor) {
        return new KWinnersOptions(kInferenceFactor, strength, factor, dutyCyclePeriod);
    }

    public KWinnersOptions withDutyCyclePeriod(int period) {
        return new KWinnersOptions(kInferenceFactor, boostStrength, boostStrengthFactor, period);
    }
}

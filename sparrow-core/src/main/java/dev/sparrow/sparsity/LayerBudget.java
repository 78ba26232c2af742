package dev.sparrow.sparsity;

import dev.sparrow.nn.Parameter;

/**
 * One sparsifiable weight and its budget: {@code active} is how many of its weights may be nonzero
 * (all of them for a layer kept dense). Rows are output neurons: the weight is viewed as
 * [rows, fanIn], for a linear layer [out, in], for a convolution [cout, cin·kh·kw].
 *
 * @param name   the qualified name used by the optimizer (see {@code Modules.namedParameters})
 * @param output whether this is the model's last sparsifiable layer (SRigL never ablates it)
 */
public record LayerBudget(String name, Parameter parameter, int active, boolean output) {

    public LayerBudget {
        if (name == null || name.isEmpty()) throw new IllegalArgumentException("layer name must not be null or empty");
        if (parameter == null) throw new IllegalArgumentException("layer '" + name + "': parameter is null");
        int rank = parameter.value().rank();
        if (rank != 2 && rank != 4) {
            throw new IllegalArgumentException("layer '" + name + "': weight of shape " + parameter.value().shapeString()
                    + " is not sparsifiable; expected rank 2 (linear) or 4 (convolution)");
        }
        if (active < 1 || active > parameter.size()) {
            throw new IllegalArgumentException("layer '" + name + "': active count " + active + " is outside [1, "
                    + parameter.size() + "]");
        }
    }

    public int size() { return parameter.size(); }

    public int rows() { return parameter.value().dim(0); }

    public int fanIn() { return parameter.size() / rows(); }

    public boolean dense() { return active == size(); }

    /** The budgeted sparsity, 1 - active / size. */
    public double sparsity() { return 1.0 - (double) active / size(); }

    public LayerBudget withActive(int newActive) { return new LayerBudget(name, parameter, newActive, output); }
}

# TF Encrypted's README program (github.com/tf-encrypted/tf-encrypted), run by tfe.
# Changed: the import line (`import tfe` for `import tf_encrypted as tfe`), the
# colon their README lacks after `def matmul_func(x, w)` (a syntax error there),
# and the last line, which prints the result: a 5x10 matrix of 10.0.
import tensorflow as tf
import tfe

@tfe.local_computation('input-provider')
def provide_input():
    # normal TensorFlow operations can be run locally
    # as part of defining a private input, in this
    # case on the machine of the input provider
    return tf.ones(shape=(5, 10))

# provide inputs
w = tfe.define_private_variable(tf.ones(shape=(10,10)))
x = provide_input()

# eager execution
y = tfe.matmul(x, w)
res = y.reveal().to_native()

# build graph and run graph
@tfe.function
def matmul_func(x, w):
    y = tfe.matmul(x, w)
    return y.reveal().to_native()

res = matmul_func(x, w)
print(res)

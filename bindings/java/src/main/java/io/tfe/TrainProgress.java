package io.tfe;

/**
 * What {@link Trainer#fit} reports after each batch ({@code tfe_train_progress_t}):
 * {@code batch == batches} at the end of an epoch. {@code accuracy} is NaN without
 * {@link Metrics#ACCURACY}; the validation values are NaN but at the end of an epoch with
 * validation data.
 *
 * @param epoch the epoch, from 1
 * @param epochs epochs in all
 * @param batch batches done in this epoch, from 1
 * @param batches batches per epoch
 * @param loss the mean loss of the epoch's batches so far
 * @param accuracy their accuracy
 * @param valLoss the validation loss
 * @param valAccuracy the validation accuracy
 * @param elapsedSeconds since fit started
 * @param etaSeconds the rest of the fit at the pace so far
 */
public record TrainProgress(long epoch, long epochs, long batch, long batches, double loss, double accuracy,
        double valLoss, double valAccuracy, double elapsedSeconds, double etaSeconds) {}

"""The doctor's catalogue: each finding's stable id, what goes wrong and the fix, in a learner's words."""
import dataclasses

# id -> (what goes wrong, how to fix it); the evidence is measured in each run
CATALOGUE = {
    "no-zero-grad": (
        "gradients add up across steps: backward() adds into .grad, and nothing cleared the gradient the "
        "previous step() already used, so every step follows the sum of all past batches",
        "call optimizer.zero_grad() once per step, before loss.backward() (or right after optimizer.step())"),
    "zero-grad-after-backward": (
        "the gradients were cleared between backward() and step(), so step() found nothing to apply and "
        "the weights did not move",
        "order the step as: optimizer.zero_grad(); loss.backward(); optimizer.step()"),
    "no-step": (
        "gradients were computed but the optimizer never stepped, so the model never learned",
        "call optimizer.step() after loss.backward() in every training step"),
    "detached-loss": (
        "the loss is cut off from the model: backward() ran but no gradient reached the optimizer's "
        "parameters, so step() changes nothing",
        "compute the loss from the model's output with tensor operations; do not rebuild it from .item(), "
        ".detach(), .data, .numpy() or torch.tensor(...)"),
    "frozen-params-in-optimizer": (
        "the optimizer holds parameters with requires_grad=False: they never get a gradient, so step() "
        "skips them every time (and they were maybe meant to train)",
        "pass only what trains: optim.SGD([p for p in model.parameters() if p.requires_grad], ...), or set "
        "requires_grad=True on the layers that should learn"),
    "optimizer-in-loop": (
        "the optimizer is created anew again and again (inside the training loop), so its momentum or "
        "Adam's running averages are thrown away every time and the steps behave like plain, noisy SGD",
        "create the optimizer once, before the loop over epochs and batches"),
    "lr-schedule-before-step": (
        "the learning-rate schedule stepped before the optimizer's first step, so the first value of the "
        "schedule is skipped",
        "call scheduler.step() after optimizer.step() (once per epoch, at the end of the epoch, for most schedules)"),
    "diverging-loss": (
        "the loss is blowing up: the steps are too large, usually because the learning rate is too high",
        "lower the learning rate (try 10x smaller), check the inputs are normalized, or clip the gradients "
        "with torch.nn.utils.clip_grad_norm_"),
    "loss-graph-kept": (
        "loss tensors from earlier steps are kept together with their autograd graphs (as `total += loss` "
        "or `losses.append(loss)` do): memory grows every step and the graphs are never used",
        "keep a plain number: total += loss.item() (or losses.append(loss.item()))"),
    "double-softmax": (
        "the loss gets probabilities where it expects something else: CrossEntropyLoss applies log_softmax "
        "itself, and NLLLoss expects log-probabilities; squashing twice flattens the gradients and slows "
        "learning",
        "feed CrossEntropyLoss the raw scores (remove the final Softmax/LogSoftmax), or use log_softmax "
        "with NLLLoss"),
    "nll-without-log-softmax": (
        "NLLLoss got raw scores, not log-probabilities: it just takes minus the score of the right class, "
        "which it can push to -infinity without learning anything",
        "apply F.log_softmax(output, dim=1) before nll_loss, or use CrossEntropyLoss on the raw scores"),
    "sigmoid-bce": (
        "Sigmoid followed by BCELoss saturates: predictions rounded to exactly 0.0 or 1.0 on the wrong side "
        "cost the clamped loss 100 and give no gradient, so those examples stop teaching the model",
        "drop the final Sigmoid and use nn.BCEWithLogitsLoss on the raw score (apply torch.sigmoid only "
        "when you need probabilities)"),
    "target-broadcast": (
        "the prediction and the target have different shapes, so the loss broadcasts them and compares "
        "every prediction with every target: the loss is wrong and the model learns the average",
        "make the shapes equal: target.view_as(output), or output.squeeze(1) for (N, 1) outputs"),
    "labels-out-of-range": (
        "a class label is outside 0 .. number of classes - 1 that the model's output has",
        "make the last layer's size the number of classes, and labels count from 0 (subtract 1 from 1-based labels)"),
    "eval-mode-missing": (
        "evaluation ran with the model in training mode: Dropout still drops activations at random and "
        "BatchNorm uses (and updates) the statistics of the test batches, so the scores are noisy and wrong",
        "call model.eval() before evaluating (and model.train() before training again)"),
    "train-mode-missing": (
        "training ran with the model in eval mode after an evaluation: Dropout is off and BatchNorm frozen "
        "while the weights train",
        "call model.train() at the start of every training epoch"),
    "functional-dropout-in-eval": (
        "F.dropout in forward() defaults to training=True, so it keeps dropping activations after "
        "model.eval(): evaluation and inference are random",
        "pass training=self.training to F.dropout, or use an nn.Dropout layer (which follows train/eval)"),
    "eval-without-no-grad": (
        "forward passes built autograd graphs that were never used for backward(): time and memory wasted",
        "wrap evaluation and inference in `with torch.no_grad():` (and call model.eval())"),
    "unshuffled-train": (
        "the training data comes in the same order every epoch and its labels come in runs, so each stretch "
        "of steps sees one class and the model forgets the others",
        "DataLoader(train_set, batch_size=..., shuffle=True) for the training data"),
    "train-on-test-split": (
        "the model trains on a dataset made with train=False: the test split, which is smaller and must "
        "stay unseen to measure accuracy honestly",
        "load the training data with train=True and keep train=False for evaluation only"),
    "unnormalized-input": (
        "the inputs are far outside the range the first layer's initialisation assumes (about -1 .. 1): "
        "activations saturate and training is slow or unstable",
        "scale the inputs: divide 0..255 pixels by 255 (transforms.ToTensor does) and standardise with "
        "transforms.Normalize(mean, std), or (x - mean) / std per feature for tables"),
}


@dataclasses.dataclass
class Finding:
    """One finding of a doctored run."""
    id: str
    filename: str
    lineno: int
    evidence: str

    @property
    def where(self):
        return f"{self.filename}:{self.lineno}"

    @property
    def what(self):
        return CATALOGUE[self.id][0]

    @property
    def fix(self):
        return CATALOGUE[self.id][1]

    def __str__(self):
        return (f"ember doctor: [{self.id}] at {self.where}\n"
                f"  what:     {self.what}\n"
                f"  evidence: {self.evidence}\n"
                f"  fix:      {self.fix}")

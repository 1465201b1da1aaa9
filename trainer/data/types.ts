/** In-memory datasets, as the training loop consumes them. Host memory only: no tensors here. */

export interface TaskInfo {
  name: string;
  classes: number;
  /** Class names by index, when the source has them (Fashion-MNIST names, CSV string labels, text characters). */
  labels?: string[];
  /**
   * Label columns this task owns, one class index per position (default 1). A task with P positions
   * has P consecutive label columns and P·classes consecutive logits (the model's output is read as
   * [B, -1], so [T, classes] works with P = T); its loss is the mean over all B·P positions and its
   * accuracy correct / (n·P). See data/positions.ts (`labelWidth`).
   */
  positions?: number;
}

/** A set of samples: inputs flattened row-major, labels as class indices (`positions` columns per task, default one). */
export interface Split {
  /** n × prod(sampleShape) values, already normalised. */
  x: Float32Array;
  /** n × labelWidth(tasks) class indices, row-major (data/positions.ts). */
  y: Int32Array;
  n: number;
}

export interface Dataset {
  /** Human-readable name with its origin, e.g. `fashion-mnist (/usr/share/datasets/fashion-mnist)`. */
  name: string;
  sampleShape: number[];
  /** One entry for ordinary classification; one per part for synthetic two-task/multi-task (after `data.tasks`). */
  tasks: TaskInfo[];
  train: Split;
  validation: Split;
  /** The held-out test split when the source has one (IDX test files, the tail of a text); otherwise absent. */
  test?: Split;
  /** text: the character each token id stands for (id i is `vocabulary[i]`); an embedding needs inputDim ≥ its length. */
  vocabulary?: string[];
}

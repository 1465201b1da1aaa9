/** In-memory datasets, as the training loop consumes them. Host memory only: no tensors here. */

export interface TaskInfo {
  name: string;
  classes: number;
  /** Class names by index, when the source has them (Fashion-MNIST names, CSV string labels). */
  labels?: string[];
}

/** A set of samples: inputs flattened row-major, labels as class indices (one column per task). */
export interface Split {
  /** n × prod(sampleShape) values, already normalised. */
  x: Float32Array;
  /** n × tasks.length class indices, row-major. */
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
  /** The held-out test split when the source has one (IDX test files); otherwise absent. */
  test?: Split;
}

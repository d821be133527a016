// Every module that defines worker tasks (defineWorkerTask), imported by the worker so it knows them.
// Add yours here (one line) when you add a task file; see README.md.
import './tasks.js';
import '../pipelines/edit-worker.js';
import '../training/editor/parallel-worker.js';
import '../metrics/parallel-worker.js';

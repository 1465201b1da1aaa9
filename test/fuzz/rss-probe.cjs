// Preloaded (`node --require`) into a CLI run by the fuzz corpus: on exit, writes the process's peak resident
// memory (KB) to file descriptor 3, which the test reads. Nothing else.
'use strict';
const { writeSync } = require('node:fs');
process.on('exit', () => {
  try { writeSync(3, `${process.resourceUsage().maxRSS}\n`); } catch { /* no fd 3: not run by the corpus */ }
});

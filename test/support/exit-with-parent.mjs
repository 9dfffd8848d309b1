// Preloaded (`node --import`) into every child process a test starts: when the test process dies without
// cleaning up (killed by the runner, a crash), the child notices that its parent changed and exits, so no
// server or CLI outlives the test run holding a port or a data folder. Test-only: production never loads it.
// The parent passes its pid, so a child whose parent died before this line ran still notices.
const parent = Number(process.env.STEWARD_TEST_PARENT_PID) || process.ppid;
delete process.env.STEWARD_TEST_PARENT_PID;
const check = () => {
  if (process.ppid !== parent) process.kill(process.pid, 'SIGKILL');
};
check();
setInterval(check, 500).unref();

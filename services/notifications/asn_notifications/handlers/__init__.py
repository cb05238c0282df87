"""One small async function per event or command, taking a UnitOfWork first."""

"""Hardware sizing from measurements: :func:`capacity.sizing.plan.size` and its parts (inputs,
parameters, models, validation, the data tier, the fleet, rendering, synthetic sweeps for tests)."""

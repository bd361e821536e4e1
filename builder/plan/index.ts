// Public surface of the planner: the BootPlan types, planLayout, plan.json and the pictures.


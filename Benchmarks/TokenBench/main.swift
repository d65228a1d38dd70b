print("TokenBench: not written yet")

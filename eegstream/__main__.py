from .cli import console

# Guarded: a spawned child process (ASR's fit) imports the main module again.
if __name__ == "__main__":
    console()

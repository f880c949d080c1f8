// txt2pdf-job: placeholder until the job orchestration lands.
int main() { return 70; }

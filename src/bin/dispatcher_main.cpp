// txt2pdf-dispatcher: placeholder until the dispatcher lands.
int main() { return 70; }
